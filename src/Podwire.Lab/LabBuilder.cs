using Podwire.Datapath;
using Podwire.Datapath.Kernel;
using Podwire.Lab.PodNetwork;
using Podwire.Lab.Topology;

namespace Podwire.Lab;

/// <summary>Sets pods' interfaces up and down; the lab does it through a CNI plugin, as a runtime would.</summary>
public interface IPodAttacher
{
    void Attach(LabPlan plan, NodePlan node, PodPlan pod);
    void Detach(LabPlan plan, NodePlan node, PodPlan pod);

    /// <summary>Releases whatever the network holds for pods not in <paramref name="pods"/> (CNI GC).</summary>
    void Reconcile(LabPlan plan, NodePlan node, IReadOnlyList<PodPlan> pods);
}

/// <summary>
/// Builds a lab plan in the kernel and takes it down again, through <see cref="INodeKernel"/>.
/// Every step is batched (one <c>ip -batch</c> per namespace, one <c>nft -f</c> per node) and
/// everything created carries the lab's <c>pw-&lt;cluster&gt;-</c> prefix. What the pod network
/// adds comes from <see cref="IPodNetwork"/>; this class knows no backend.
/// </summary>
public sealed class LabBuilder(INodeKernel kernel, LabPaths paths, IPodAttacher attacher, IPodNetwork network, Action<string>? progress = null)
{
    private void Say(string s) => progress?.Invoke(s);

    public INodeKernel Kernel => kernel;

    public void BuildNetwork(LabPlan plan)
    {
        Say($"creating {plan.Nodes.Count + 1} namespaces");
        kernel.CreateNamespaces([plan.Names.UnderlayNetns, .. plan.Nodes.Select(n => n.Netns)]);
        Say("wiring the underlay switch");
        kernel.Apply(LabRenderer.Underlay(plan));
        foreach (var n in plan.Nodes) ConfigureNode(plan, n);
    }

    private void ConfigureNode(LabPlan plan, NodePlan n)
    {
        Say($"configuring node {n.Name} ({network.Name})");
        kernel.Apply(LabRenderer.Node(plan, n, network));
        Directory.CreateDirectory(paths.IpamDir(n.Name));
        Directory.CreateDirectory(paths.CniDir);
        File.WriteAllText(paths.ConfList(n.Name), network.ConfList(plan, n, paths.IpamDir(n.Name)));
    }

    /// <summary>
    /// Nodes joining a running lab: each gets its namespace, underlay port and pod network, and
    /// every node already running learns the newcomers (<see cref="IPodNetwork.RenderPeers"/>).
    /// </summary>
    public void AddNodes(LabPlan plan, IReadOnlyList<NodePlan> joined)
    {
        if (joined.Count == 0) return;
        Say($"adding {joined.Count} node(s): {string.Join(", ", joined.Select(n => n.Name))}");
        kernel.CreateNamespaces([.. joined.Select(n => n.Netns)]);
        var underlay = new NodeScript(plan.Names.UnderlayNetns);
        foreach (var n in joined) underlay.Ip.AddRange(LabRenderer.UnderlayPort(plan, n).Ip);
        kernel.Apply(underlay);
        foreach (var n in joined) ConfigureNode(plan, n);
        var names = joined.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var n in plan.Nodes.Where(n => !names.Contains(n.Name)))
            ApplyPeers(plan, n, joined, []);
    }

    /// <summary>
    /// Nodes leaving: their pods must be gone already (<see cref="RemovePods"/>); the namespace
    /// goes (its underlay veth with it), the remaining nodes forget its routes, and its IPAM
    /// and CNI state is released.
    /// </summary>
    public void RemoveNodes(LabPlan remaining, IReadOnlyList<NodePlan> left)
    {
        if (left.Count == 0) return;
        Say($"removing {left.Count} node(s): {string.Join(", ", left.Select(n => n.Name))}");
        foreach (var n in remaining.Nodes) ApplyPeers(remaining, n, [], left);
        kernel.DeleteNamespaces([.. left.Select(n => n.Netns)]);
        foreach (var n in left)
        {
            DeleteDir(paths.IpamDir(n.Name));
            if (File.Exists(paths.ConfList(n.Name))) File.Delete(paths.ConfList(n.Name));
        }
    }

    private void ApplyPeers(LabPlan plan, NodePlan node, IReadOnlyList<NodePlan> joined, IReadOnlyList<NodePlan> left)
    {
        var s = new NodeScript(node.Netns);
        network.RenderPeers(plan, node, joined, left, s);
        if (s.Ip.Count + s.Bridge.Count + s.Nft.Count > 0) kernel.Apply(s);
    }

    /// <summary>
    /// Attaches <paramref name="pods"/> through CNI, several at a time. Returns the pods attached
    /// and one sentence per pod that was not; a pod that failed is cleaned up (CNI DEL, namespace
    /// deleted), so it is either fully there or not at all.
    /// </summary>
    public (IReadOnlyList<PodPlan> Attached, IReadOnlyList<string> Failures) AddPods(LabPlan plan, IReadOnlyList<PodPlan> pods, int parallelism = 4)
    {
        var nodes = plan.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        kernel.CreateNamespaces([.. pods.Select(p => p.Netns)]);
        int done = 0;
        var errors = new string?[pods.Count];
        Parallel.For(0, pods.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var p = pods[i];
            try
            {
                attacher.Attach(plan, nodes[p.Node], p);
                WriteEtc(p);
            }
            catch (Exception e) when (e is DatapathException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                errors[i] = $"pod {p.Key}: {e.Message}";
            }
            int n = Interlocked.Increment(ref done);
            if (n % 25 == 0 || n == pods.Count) Say($"pods {n}/{pods.Count} attached");
        });
        var attached = new List<PodPlan>(pods.Count);
        var failed = new List<PodPlan>();
        for (int i = 0; i < pods.Count; i++) (errors[i] is null ? attached : failed).Add(pods[i]);
        if (failed.Count > 0) RemovePods(plan, failed);
        return (attached, [.. errors.Where(e => e is not null).Select(e => e!)]);
    }

    /// <summary>CNI GC on every node: addresses leaked by a crash or a failed DEL are reclaimed.</summary>
    public void Reconcile(LabPlan plan)
    {
        foreach (var node in plan.Nodes)
        {
            try { attacher.Reconcile(plan, node, plan.Pods.Where(p => p.Node == node.Name).ToList()); }
            catch (DatapathException e) { Say($"warning: CNI GC on {node.Name}: {e.Message}"); }
        }
    }

    public void RemovePods(LabPlan plan, IReadOnlyList<PodPlan> pods)
    {
        var nodes = plan.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        foreach (var p in pods)
        {
            if (nodes.TryGetValue(p.Node, out var node))
            {
                try { attacher.Detach(plan, node, p); }
                catch (DatapathException e) { Say($"warning: CNI DEL for {p.Key}: {e.Message}"); }
            }
        }
        kernel.DeleteNamespaces([.. pods.Select(p => p.Netns)]);
        foreach (var p in pods) DeleteDir(Path.Combine(kernel.EtcNetnsRoot, p.Netns));
    }

    /// <summary>/etc/netns/&lt;pod&gt;/hosts, bind-mounted over /etc/hosts by <c>ip netns exec</c>, as kubelet writes it.</summary>
    private void WriteEtc(PodPlan p)
    {
        var dir = Path.Combine(kernel.EtcNetnsRoot, p.Netns);
        Directory.CreateDirectory(dir);
        var host = p.Pod.Hostname ?? p.Name;
        var fqdn = p.Pod.Hostname is not null && p.Pod.Subdomain is not null
            ? $"{p.Pod.Hostname}.{p.Pod.Subdomain}.{p.Namespace}.svc.cluster.local\t" : "";
        File.WriteAllText(Path.Combine(dir, "hosts"),
            "# Kubernetes-managed hosts file (podwire lab).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" +
            $"{p.IP}\t{fqdn}{host}\n");
    }

    /// <summary>
    /// Removes everything a lab named <paramref name="names"/> created, whether or not its daemon
    /// is alive: every namespace with the lab's prefix, their /etc/netns folders, what the pod
    /// network keeps elsewhere (<see cref="IPodNetwork.Teardown"/>) and the state folder.
    /// </summary>
    public static int Teardown(INodeKernel kernel, LabNames names, LabPaths paths, IPodNetwork? network)
    {
        // Pod programs of a daemon that was killed (its supervisor could not stop them) go first.
        Processes.ProcessSupervisor.StopRecorded(paths.LogDir, TimeSpan.FromSeconds(3));
        var all = kernel.ListNamespaces(names.Prefix);
        // Pods first: deleting a pod namespace removes its veth, so nodes go quietly after.
        var ordered = all.OrderBy(n => n.Contains("-pod-", StringComparison.Ordinal) ? 0 : n.EndsWith("underlay", StringComparison.Ordinal) ? 2 : 1).ToList();
        kernel.DeleteNamespaces(ordered);
        foreach (var n in all) DeleteDir(Path.Combine(kernel.EtcNetnsRoot, n));
        if (Directory.Exists(kernel.EtcNetnsRoot))
            foreach (var d in Directory.GetDirectories(kernel.EtcNetnsRoot, names.Prefix + "*")) DeleteDir(d);
        network?.Teardown(names, paths);
        DeleteDir(paths.Root);
        return all.Count;
    }

    private static void DeleteDir(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        catch (IOException) { }
    }
}
