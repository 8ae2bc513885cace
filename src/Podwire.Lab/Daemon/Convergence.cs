using Podwire.Datapath;
using Podwire.Datapath.Kernel;
using Podwire.Lab.PodNetwork;
using Podwire.Lab.Topology;

namespace Podwire.Lab.Daemon;

/// <summary>What one convergence changes: computed from what is in the kernel and what is wanted. Pure.</summary>
/// <remarks>PodsAdded are attached (network up) but their workloads are not started: the caller starts them after the dataplane sync.</remarks>
public sealed record LabDelta(
    IReadOnlyList<PodPlan> PodsRemoved,
    IReadOnlyList<NodePlan> NodesLeft,
    IReadOnlyList<NodePlan> NodesJoined,
    IReadOnlyList<PodPlan> PodsAdded)
{
    public bool Empty => PodsRemoved.Count + NodesLeft.Count + NodesJoined.Count + PodsAdded.Count == 0;

    public static LabDelta Between(IReadOnlyCollection<NodePlan> nodes, IReadOnlyCollection<PodPlan> pods, LabPlan target)
    {
        var wantedNodes = target.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var left = nodes.Where(n => !wantedNodes.TryGetValue(n.Name, out var w) || !SameNode(n, w)).ToList();
        var leaving = left.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var staying = nodes.Where(n => !leaving.Contains(n.Name)).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var joined = target.Nodes.Where(n => !staying.Contains(n.Name)).ToList();
        var wantedPods = target.Pods.ToDictionary(p => p.Key, StringComparer.Ordinal);
        // A pod goes when it is no longer wanted as it is, or its node is rebuilt (its veth goes with the node).
        var removed = pods.Where(p => leaving.Contains(p.Node) || !wantedPods.TryGetValue(p.Key, out var w) || !SamePod(p, w)).ToList();
        var kept = pods.Except(removed).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var added = target.Pods.Where(p => !kept.Contains(p.Key)).ToList();
        return new LabDelta(removed, left, joined, added);
    }

    public static bool SameNode(NodePlan a, NodePlan b) =>
        a.Netns == b.Netns && a.UnderlayIP == b.UnderlayIP && a.PodMtu == b.PodMtu && a.PodCidrs.SequenceEqual(b.PodCidrs);

    public static bool SamePod(PodPlan a, PodPlan b) =>
        a.IP == b.IP && a.Node == b.Node && a.Pod.Ports.SequenceEqual(b.Pod.Ports) &&
        (a.Pod.Command ?? []).SequenceEqual(b.Pod.Command ?? []) && a.Pod.Hostname == b.Pod.Hostname && a.Pod.Subdomain == b.Pod.Subdomain;

    public override string ToString()
    {
        var parts = new List<string>();
        if (PodsRemoved.Count > 0) parts.Add($"{PodsRemoved.Count} pod(s) removed");
        if (NodesLeft.Count > 0) parts.Add($"node(s) {string.Join(", ", NodesLeft.Select(n => n.Name))} removed");
        if (NodesJoined.Count > 0) parts.Add($"node(s) {string.Join(", ", NodesJoined.Select(n => n.Name))} added");
        if (PodsAdded.Count > 0) parts.Add($"{PodsAdded.Count} pod(s) added");
        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }
}

/// <summary>A step of a convergence failed; the message says which and what the kernel answered.</summary>
public sealed class ConvergenceException(string message) : Exception(message)
{
    /// <summary>An exception as one sentence for the CLI: parallel failures flattened, unexpected types named.</summary>
    public static string Describe(Exception e) => e switch
    {
        AggregateException a => string.Join("; ", a.Flatten().InnerExceptions.Select(Describe)),
        ConvergenceException or DatapathException or InvalidOperationException or IOException or UnauthorizedAccessException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}

/// <summary>The manifests of an apply do not validate: every problem, nothing was changed.</summary>
public sealed class InvalidManifestsException(IReadOnlyList<string> problems)
    : Exception($"{problems.Count} problem(s) found; nothing was changed")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// The lab as it is in the kernel (nodes built, pods attached), and the one way to change it:
/// <see cref="Converge"/> moves it toward a plan step by step (pods out, nodes out, nodes in,
/// pods in) and records each step as it lands, so after a failure it knows exactly what is there,
/// and converging back to the previous plan undoes what was done. Not thread-safe: the daemon
/// runs one convergence at a time.
/// </summary>
public sealed class Convergence(LabBuilder builder, IPodNetwork network, Workloads workloads, AgentSupervisor agents,
    AgentContext agentContext, Action<string> say)
{
    private readonly Dictionary<string, NodePlan> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodPlan> _pods = new(StringComparer.Ordinal);
    private bool _underlay;

    public IReadOnlyCollection<NodePlan> Nodes => _nodes.Values;
    public IReadOnlyCollection<PodPlan> Pods => _pods.Values;

    /// <summary>
    /// After a daemon restart: what of <paramref name="plan"/> is already in the kernel (the
    /// underlay, node and pod namespaces the lab's names say are there) is taken as built, so
    /// the next <see cref="Converge"/> only adds what is missing and removes what is not planned.
    /// Namespaces of the lab that the plan does not name are taken too, so they are removed.
    /// </summary>
    public (int Nodes, int Pods) Adopt(LabPlan plan, INodeKernel kernel)
    {
        var present = kernel.ListNamespaces(plan.Names.Prefix).ToHashSet(StringComparer.Ordinal);
        _underlay = present.Contains(plan.Names.UnderlayNetns);
        foreach (var n in plan.Nodes) if (present.Contains(n.Netns)) _nodes[n.Name] = n;
        foreach (var p in plan.Pods) if (present.Contains(p.Netns) && _nodes.ContainsKey(p.Node)) _pods[p.Key] = p;
        return (_nodes.Count, _pods.Count);
    }

    /// <summary>What <see cref="Converge"/> would change now, to check before doing it.</summary>
    public LabDelta Plan(LabPlan target) => LabDelta.Between(_nodes.Values, _pods.Values, target);

    /// <summary>Brings the kernel to <paramref name="target"/>; returns what changed. Throws <see cref="ConvergenceException"/> at the first step that fails.</summary>
    /// <param name="planned">The delta <see cref="Plan"/> gave for this target, when the caller already has it.</param>
    public LabDelta Converge(LabPlan target, LabDelta? planned = null)
    {
        var delta = planned ?? Plan(target);
        var current = target with { Nodes = [.. _nodes.Values], Pods = [.. _pods.Values] };
        Step("remove pods", () =>
        {
            if (delta.PodsRemoved.Count == 0) return;
            say($"removing {delta.PodsRemoved.Count} pods");
            workloads.Stop(delta.PodsRemoved);
            builder.RemovePods(current, delta.PodsRemoved);
            foreach (var p in delta.PodsRemoved) _pods.Remove(p.Key);
        });
        Step("remove nodes", () =>
        {
            if (delta.NodesLeft.Count == 0) return;
            foreach (var n in delta.NodesLeft) agents.StopNode(n.Name);
            builder.RemoveNodes(target with { Nodes = [.. _nodes.Values.Where(n => !delta.NodesLeft.Contains(n))] }, delta.NodesLeft);
            foreach (var n in delta.NodesLeft) _nodes.Remove(n.Name);
        });
        Step("add nodes", () =>
        {
            if (delta.NodesJoined.Count == 0) return;
            if (!_underlay)
            {
                builder.BuildNetwork(target with { Nodes = delta.NodesJoined });
                _underlay = true;
            }
            else builder.AddNodes(target with { Nodes = [.. _nodes.Values, .. delta.NodesJoined] }, delta.NodesJoined);
            foreach (var n in delta.NodesJoined)
            {
                _nodes[n.Name] = n;
                agents.Start(network.Agents(target, n, agentContext));
            }
        });
        Step("add pods", () =>
        {
            if (delta.PodsAdded.Count == 0) return;
            say($"attaching {delta.PodsAdded.Count} pods through CNI");
            var (attached, failures) = builder.AddPods(target, delta.PodsAdded);
            // Workloads start later (LabDaemon), once DNS, proxy and policy know these pods: a
            // program resolving names at start-up must find cluster DNS answering.
            foreach (var p in attached) _pods[p.Key] = p;
            if (failures.Count > 0)
                throw new DatapathException($"{failures.Count} of {delta.PodsAdded.Count} pods could not be attached: {string.Join("; ", failures.Take(5))}{(failures.Count > 5 ? "; …" : "")}");
        });
        builder.Reconcile(target);
        return delta;
    }

    /// <summary>What is in the kernel, in words, for an error message after a failed step.</summary>
    public string Describe(LabPlan wanted)
    {
        var rest = Plan(wanted);
        return rest.Empty ? "the lab matches the plan" : $"still to do: {rest}";
    }

    private static void Step(string what, Action action)
    {
        try { action(); }
        catch (Exception e) when (e is DatapathException or IOException or InvalidOperationException or UnauthorizedAccessException or AggregateException)
        {
            throw new ConvergenceException($"{what}: {ConvergenceException.Describe(e)}");
        }
    }
}
