using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Datapath.Kernel;
using Podwire.Lab.Topology;
using Podwire.Policy.Nftables;
using Podwire.Policy.Engine;

namespace Podwire.Lab.Dataplane;

/// <summary>
/// NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy in the kernel: the policy
/// engine's IR compiled (<see cref="NftPolicyCompiler"/>) into table <c>inet podwire-policy</c> in
/// every node namespace.
/// </summary>
/// <remarks>
/// Design note. Each sync rebuilds the engine from the whole cluster and renders each node's
/// table; a node whose text did not change is not touched, and a changed one is replaced with one
/// <c>nft -f</c> transaction (add, delete, add), so under traffic every packet meets either the
/// old or the new policy, never a mix or nothing. Whole tables rather than element diffs: the
/// policy of a node is a few identity chains, and a transaction that swaps all of it is both
/// simpler and the only way to keep the swap atomic across chains, sets and maps at once.
/// Same-node pod traffic is bridged, so the forward hook only sees it with bridge netfilter on:
/// the sync checks <c>net.bridge.bridge-nf-call-iptables</c> in each node namespace and sets it
/// when it is off (new namespaces inherit 1 once br_netfilter is loaded, but a host can differ).
/// Teardown needs nothing: the table goes with the node namespace.
/// </remarks>
public sealed class PolicyDataplane(INodeKernel kernel, TextWriter log) : IDataplaneComponent
{
    public const string BridgeSysctl = "net.bridge.bridge-nf-call-iptables";
    private readonly Dictionary<string, string> _applied = new(StringComparer.Ordinal);
    private readonly HashSet<string> _bridgeChecked = new(StringComparer.Ordinal);

    public string Name => "network-policy";

    /// <summary>The ruleset last loaded into each node namespace (for tests and <c>trace</c>).</summary>
    public IReadOnlyDictionary<string, string> Applied => _applied;

    public void Sync(DerivedCluster cluster, LabPlan plan)
    {
        var engine = PolicyEngine.Build(cluster);
        foreach (var p in engine.Problems) log.WriteLine($"network-policy: ignoring invalid admin policy: {p}");
        // A node that left takes its table with its namespace; one of the same name later is new.
        var present = plan.Nodes.Select(n => n.Netns).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _applied.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _applied.Remove(gone);
            lock (_bridgeChecked) _bridgeChecked.Remove(gone);
        }
        var work = new List<(NodePlan Node, string Text)>();
        foreach (var node in plan.Nodes)
        {
            var text = NftPolicyCompiler.Render(engine.Ir, engine.Identities, node.Name);
            if (_applied.TryGetValue(node.Netns, out var old) && old == text) continue;
            work.Add((node, text));
        }
        var errors = new string?[work.Count];
        Parallel.For(0, work.Count, i =>
        {
            var (node, text) = work[i];
            try
            {
                EnsureBridgeNetfilter(node.Netns);
                // In-process libnftables (LinuxKernel): `ip netns exec nft` per node cost up to
                // 14.6 s while 500 pod namespaces were fresh (each copies the mount table).
                var r = kernel.Nft(node.Netns, NftPolicyCompiler.Transaction(text));
                errors[i] = r.Ok ? null : $"node {node.Name}: nft -f failed: {r.Stderr.Trim()}";
            }
            catch (DatapathException e)
            {
                errors[i] = $"node {node.Name}: {e.Message}";
            }
        });
        for (int i = 0; i < work.Count; i++)
        {
            if (errors[i] is null) _applied[work[i].Node.Netns] = work[i].Text;
            else
            {
                // Forget what the node had, so the next sync retries it in full.
                _applied.Remove(work[i].Node.Netns);
            }
        }
        var failed = errors.Where(e => e is not null).ToList();
        if (failed.Count == 0) return;
        var message = "network policy: " + string.Join("; ", failed);
        log.WriteLine(message);
        // InvalidOperationException: what the daemon reports back to 'up' and 'apply' as an error.
        throw new InvalidOperationException(message);
    }

    // Read and written in-process (LinuxKernel), from a thread inside the node's namespace: a
    // sysctl process per node took 6-9.5 s each on some lab ups while hundreds of pod sockets were
    // being opened, against milliseconds otherwise.
    private void EnsureBridgeNetfilter(string netns)
    {
        lock (_bridgeChecked)
            if (_bridgeChecked.Contains(netns)) return;
        var value = kernel.ReadSysctl(netns, BridgeSysctl);
        if (value != "1")
        {
            try { kernel.WriteSysctl(netns, BridgeSysctl, "1"); }
            catch (DatapathException e)
            {
                throw new DatapathException($"bridge netfilter is off in {netns} and cannot be turned on ({e.Message}): same-node pod traffic would bypass policy (is br_netfilter loaded?)");
            }
            log.WriteLine($"network-policy: turned on {BridgeSysctl} in {netns}");
        }
        lock (_bridgeChecked) _bridgeChecked.Add(netns);
    }
}
