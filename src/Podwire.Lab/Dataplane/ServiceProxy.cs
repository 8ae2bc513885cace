using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Lab.Topology;
using Podwire.Proxy;

namespace Podwire.Lab.Dataplane;

/// <summary>
/// The lab's kube-proxy: compiles each node's Services into the <c>ip podwire-proxy</c> table
/// (see <see cref="ProxyLayout"/>) and keeps it in sync. One <see cref="ServiceChangeTracker"/>
/// finds the Services that changed, each node's <see cref="ProxyChangeTracker"/> recompiles only
/// those, and <see cref="ProxySyncer"/> applies the result: a full table on the first sync and after
/// any failure, element deltas otherwise — table skeleton and chains as nft scripts (libnftables
/// in-process, see <see cref="NftRunner"/>), map elements as one nf_tables netlink batch per node
/// (the text-only path remains for fakes, and with PODWIRE_PROXY_TEXT=1). Syncs go through a
/// <see cref="BoundedFrequencyRunner"/> so bursts of changes coalesce; <see cref="Sync"/> waits
/// until its change is in the kernel. Also routes LoadBalancer and external IPs across the
/// underlay (as MetalLB's layer-2 mode would attract them) and serves health-check NodePorts.
/// After a change it deletes the UDP/SCTP conntrack entries the change left pointing the wrong way
/// (<see cref="StaleFlow"/>), in the node that NATed them, as kube-proxy does.
/// </summary>
public sealed class ServiceProxy : IDataplaneComponent, IDisposable
{
    private readonly ICommandRunner _runner;
    private readonly NftRunner _nft;
    private readonly TextWriter _log;
    private readonly ProxySyncer _syncer;
    private readonly BoundedFrequencyRunner _frequency;
    private readonly ServiceProxyHealth _health;
    private readonly ServiceChangeTracker _changes = new();
    private readonly Dictionary<string, ProxyChangeTracker> _trackers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private (DerivedCluster Cluster, LabPlan Plan)? _desired;
    private Dictionary<string, string> _routes = new(StringComparer.Ordinal);
    private Dictionary<string, string> _netnsByNode = new(StringComparer.Ordinal);
    private readonly Func<string, IReadOnlyList<ConntrackMatch>, (int Deleted, string? Error)>? _deleteFlows;

    /// <param name="kernelSockets">True in the real kernel: nft in-process, elements as nf_tables netlink
    /// batches and stale flows deleted over ctnetlink (unless PODWIRE_PROXY_TEXT=1 asks for the text path);
    /// false for fakes, which then see every change as nft text through <paramref name="runner"/>.</param>
    /// <param name="openElements">Opens an nf_tables element handle in a namespace (overrides the default).</param>
    public ServiceProxy(ICommandRunner runner, TextWriter log, IClock? clock = null, TimeSpan? minInterval = null,
        Func<string, INftElements>? openElements = null,
        Func<string, IReadOnlyList<ConntrackMatch>, (int Deleted, string? Error)>? deleteFlows = null, bool kernelSockets = false)
    {
        _deleteFlows = deleteFlows ?? (kernelSockets ? DeleteFlows : null);
        _runner = runner;
        _log = log;
        _nft = new NftRunner(runner, inProcess: kernelSockets);
        if (openElements is null && kernelSockets && Environment.GetEnvironmentVariable("PODWIRE_PROXY_TEXT") != "1")
            openElements = NfTablesSocket.Open;
        _syncer = openElements is null
            ? new ProxySyncer(Apply, Nft)
            : new ProxySyncer(Nft, node =>
            {
                // A full sync renews every per-namespace handle: the namespace may be new.
                _nft.Reset(_netnsByNode[node]);
                return openElements(_netnsByNode[node]);
            });
        _frequency = new BoundedFrequencyRunner(RunSync, minInterval ?? TimeSpan.FromMilliseconds(100), clock ?? SystemClock.Instance, TimeSpan.FromSeconds(1));
        _health = new ServiceProxyHealth(log);
    }

    public string Name => "service-proxy";

    public void Sync(DerivedCluster cluster, LabPlan plan)
    {
        lock (_gate) _desired = (cluster, plan);
        // A failing sync is retried by the runner; do not block the daemon on it forever.
        _frequency.Request().Wait(TimeSpan.FromSeconds(60));
    }

    private bool RunSync()
    {
        (DerivedCluster Cluster, LabPlan Plan) d;
        lock (_gate)
        {
            if (_desired is null) return true;
            d = _desired.Value;
        }
        var netns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in d.Plan.Nodes) netns[n.Name] = n.Netns;
        // A node that left: its table went with its namespace, and one of the same name later starts afresh.
        foreach (var gone in _trackers.Keys.Where(k => !netns.ContainsKey(k)).ToList())
        {
            _trackers.Remove(gone);
            _syncer.Forget(gone);
            if (_netnsByNode.TryGetValue(gone, out var old)) _nft.Reset(old);
        }
        _netnsByNode = netns;

        bool ok = true;
        var health = new List<(string, HealthCheck)>();
        var results = new NodeSyncResult[d.Plan.Nodes.Count];
        var updates = new ProxyUpdate[d.Plan.Nodes.Count];
        // One comparison pass for the whole cluster; each node recompiles only what it reports.
        var changes = _changes.Update(d.Cluster);
        var trackers = new ProxyChangeTracker[d.Plan.Nodes.Count];
        for (int i = 0; i < trackers.Length; i++)
        {
            var name = d.Plan.Nodes[i].Name;
            if (!_trackers.TryGetValue(name, out var t)) _trackers[name] = t = new ProxyChangeTracker(name);
            trackers[i] = t;
        }
        Parallel.For(0, d.Plan.Nodes.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var update = updates[i] = trackers[i].Update(d.Cluster, changes);
            results[i] = _syncer.Sync(d.Plan.Nodes[i].Name, update.State, update.Touched);
            // Only once the new rules are in: a flow deleted earlier could be re-created the old way.
            if (results[i].Ok && update.StaleFlows.Count > 0) ForgetFlows(d.Plan.Nodes[i].Netns, update.StaleFlows);
        });
        for (int i = 0; i < results.Length; i++)
        {
            var r = results[i];
            if (r.Error is not null) _log.WriteLine($"service-proxy: {r.Node}: {r.Error}");
            ok &= r.Ok;
            var applied = _syncer.Applied(r.Node);
            if (applied is not null) foreach (var h in applied.HealthChecks) health.Add((d.Plan.Nodes[i].Netns, h));
        }
        _health.Sync(health);
        ok &= SyncRoutes(d.Cluster, d.Plan);
        return ok;
    }

    private void ForgetFlows(string netns, IReadOnlyList<StaleFlow> flows)
    {
        if (_deleteFlows is null) return;
        var matches = new List<ConntrackMatch>(flows.Count);
        foreach (var f in flows)
            matches.Add(new ConntrackMatch(f.Protocol == "udp" ? (byte)17 : (byte)132, System.Net.IPAddress.Parse(f.Frontend), f.Port,
                f.Endpoint is null ? null : System.Net.IPAddress.Parse(f.Endpoint), f.EndpointPort));
        var (deleted, error) = _deleteFlows(netns, matches);
        if (error is not null) _log.WriteLine($"service-proxy: {netns}: stale conntrack entries: {error}");
        else if (deleted > 0) _log.WriteLine($"service-proxy: {netns}: {deleted} stale UDP/SCTP conntrack entr{(deleted == 1 ? "y" : "ies")} deleted");
    }

    private static (int, string?) DeleteFlows(string netns, IReadOnlyList<ConntrackMatch> matches)
    {
        try
        {
            using var socket = NfTablesSocket.Open(netns);
            return socket.DeleteConntrack(matches);
        }
        catch (DatapathException e)
        {
            return (0, e.Message);
        }
    }

    private string? Apply(string node, string script)
    {
        var r = Nft(node, ["-f", "-"], script);
        return r.Ok ? null : (r.Stderr.Length > 2000 ? r.Stderr[..2000] : r.Stderr);
    }

    // In-process libnftables when it loads, else nsenter + nft (see NftRunner).
    private CommandResult Nft(string node, IReadOnlyList<string> args, string? stdin) => _nft.Run(_netnsByNode[node], args, stdin);

    /// <summary>LoadBalancer/external IP → a node, as /32 routes in the underlay namespace.</summary>
    private bool SyncRoutes(DerivedCluster cluster, LabPlan plan)
    {
        var byName = plan.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (address, node) in ProxyCompiler.UnderlayRoutes(cluster))
            if (byName.TryGetValue(node, out var n)) wanted[address] = n.UnderlayIP;
        var batch = new IpBatch(plan.Names.UnderlayNetns);
        foreach (var (a, via) in wanted)
            if (!_routes.TryGetValue(a, out var old) || old != via) batch.Add($"route replace {a}/32 via {via}");
        foreach (var a in _routes.Keys)
            if (!wanted.ContainsKey(a)) batch.Add($"route del {a}/32");
        try { batch.Apply(_runner); }
        catch (DatapathException e) { _log.WriteLine($"service-proxy: underlay routes: {e.Message}"); _routes = []; return false; }
        _routes = wanted;
        return true;
    }

    public void Dispose()
    {
        _health.Dispose();
        _syncer.Dispose();
        _nft.Dispose();
    }
}
