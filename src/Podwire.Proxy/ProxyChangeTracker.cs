using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Proxy;

/// <summary>
/// Which keys an incremental update may have changed relative to <see cref="Base"/>: the frontend
/// keys (internal, external, no-endpoints) and the backend keys. A delta needs to look at these
/// only, instead of comparing 110k elements. Hairpin pairs and chains are always compared whole.
/// </summary>
public sealed record ProxyTouched(ProxyState Base, IReadOnlyCollection<string> Frontends, IReadOnlyCollection<string> BackendKeys, IReadOnlyCollection<string> SlotKeys);

/// <summary>A node's new state; <see cref="Touched"/> is null when it was compiled from scratch.</summary>
public sealed record ProxyUpdate(ProxyState State, ProxyTouched? Touched, int ServicesCompiled)
{
    /// <summary>UDP/SCTP flows this update leaves pointing the wrong way (see <see cref="StaleFlow"/>); none after a full compile.</summary>
    public IReadOnlyList<StaleFlow> StaleFlows { get; init; } = [];
}

/// <summary>
/// The proxy's per-node change tracker: remembers each Service's compiled fragment, and on a new
/// cluster recompiles only the Services a <see cref="ServiceChangeTracker"/> reports as changed,
/// then re-merges only the frontend keys those Services claim(ed). The result equals
/// <see cref="ProxyCompiler.Compile"/> of the new cluster (tested), at a cost proportional to the
/// change plus the change detection's one pass; the published collections are layered
/// (<see cref="LayeredMap"/>) so a small change does not copy 110k elements. A changed node
/// address/zone or cluster CIDR, or changes from a snapshot this tracker did not see, recompile
/// everything. Not thread-safe.
/// </summary>
public sealed class ProxyChangeTracker(string nodeName)
{
    private readonly Dictionary<string, ServiceFragment> _fragments = new(StringComparer.Ordinal);
    // Frontend key → the fragments claiming it, in Service order (usually exactly one).
    private readonly Dictionary<string, List<ServiceFragment>> _claimants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (LbChain Chain, int Refs)> _chainRefs = new(StringComparer.Ordinal);
    private readonly ServiceChangeTracker _own = new();
    private (ServiceChangeTracker Source, long Generation)? _seen;
    private Node? _node;
    private ProxyState? _state;

    public string NodeName => nodeName;

    /// <summary>
    /// The node's state for <paramref name="cluster"/>. <paramref name="changes"/> (from a shared
    /// <see cref="ServiceChangeTracker"/> that was given the same cluster) saves this tracker its
    /// own comparison pass; without it the tracker compares by itself.
    /// </summary>
    public ProxyUpdate Update(DerivedCluster cluster, ServiceChanges? changes = null)
    {
        var previous = _seen;
        changes ??= _own.Update(cluster);
        _seen = (changes.Source, changes.Generation);
        var node = ProxyCompiler.FindNode(cluster, nodeName);
        string cidr = cluster.Options.ClusterCidr.ToString();
        bool continuous = previous is { } p && ReferenceEquals(p.Source, changes.Source) && p.Generation + 1 == changes.Generation;
        if (_state is null || changes.Changed is null || !continuous || !InputEquality.SameNode(_node, node) || cidr != _state.ClusterCidr)
            return Rebuild(cluster, node, cidr);
        return Incremental(cluster, node!, changes.Changed);
    }

    private ProxyUpdate Rebuild(DerivedCluster cluster, Node? node, string cidr)
    {
        _fragments.Clear();
        _claimants.Clear();
        _chainRefs.Clear();
        _node = node;
        var inter = new Dictionary<string, string>(StringComparer.Ordinal);
        var exter = new Dictionary<string, string>(StringComparer.Ordinal);
        var fw = new Dictionary<string, string>(StringComparer.Ordinal);
        var backends = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, string>? slots = new(StringComparer.Ordinal);
        var none = new HashSet<string>(StringComparer.Ordinal);
        var health = new List<HealthCheck>();
        foreach (var svc in cluster.Services)
        {
            // (A list out of Service order never gets here incrementally: changes are then null.)
            var frag = ProxyCompiler.CompileService(cluster, svc, cluster.SlicesFor(svc.Namespace, svc.Name), node, nodeName);
            _fragments[svc.Key] = frag;
            if (frag.Health is not null) health.Add(frag.Health);
            foreach (var c in frag.Claims)
            {
                if (!_claimants.TryGetValue(c.Key, out var list)) _claimants[c.Key] = list = new List<ServiceFragment>(1);
                if (list.Count == 0 || !ReferenceEquals(list[^1], frag)) list.Add(frag);
                // Sequential application is the merge rule (FrontendResult.Merge) for every key at once.
                if (c.Target == ClaimTarget.NoEndpoints) { none.Add(c.Key); continue; }
                var map = c.Target switch { ClaimTarget.Internal => inter, ClaimTarget.External => exter, _ => fw };
                if (!map.TryAdd(c.Key, c.Verdict)) continue;
                AddChainRef(c);
                c.WriteTo(backends, ref slots);
            }
        }
        _state = new ProxyState(cidr, new LayeredMap(inter), new LayeredMap(exter), new LayeredMap(backends), new LayeredMap(slots!), new LayeredSet(none),
            ProxyCompiler.Hairpin(cluster, nodeName), Chains(), health) { Firewall = new LayeredMap(fw) };
        return new ProxyUpdate(_state, null, cluster.Services.Count);
    }

    private ProxyUpdate Incremental(DerivedCluster cluster, Node node, IReadOnlyList<string> changedKeys)
    {
        var old = _state!;
        var changed = new List<(ServiceFragment? Old, ServiceFragment? New)>(changedKeys.Count);
        foreach (var key in changedKeys)
        {
            int slash = key.IndexOf('/');
            var svc = cluster.FindService(key[..slash], key[(slash + 1)..]);
            var now = svc is null ? null : ProxyCompiler.CompileService(cluster, svc, cluster.SlicesFor(svc.Namespace, svc.Name), node, nodeName);
            var was = _fragments.GetValueOrDefault(key);
            if (was is not null || now is not null) changed.Add((was, now));
        }

        var hairpin = ProxyCompiler.Hairpin(cluster, nodeName);
        IReadOnlySet<string> hairpinState = hairpin.SetEquals(old.Hairpin) ? old.Hairpin : hairpin;
        if (changed.Count == 0)
        {
            if (!ReferenceEquals(hairpinState, old.Hairpin)) _state = old with { Hairpin = hairpinState };
            return new ProxyUpdate(_state!, new ProxyTouched(old, [], [], []), 0);
        }

        // Keys any changed Service claims or claimed, with who claimed them before the change.
        var before = new Dictionary<string, ServiceFragment[]>(StringComparer.Ordinal);
        foreach (var (o, n) in changed)
        {
            if (o is not null) foreach (var c in o.Claims) Snapshot(before, c.Key);
            if (n is not null) foreach (var c in n.Claims) Snapshot(before, c.Key);
        }
        bool healthChanged = false;
        var stale = new List<StaleFlow>();
        foreach (var (o, n) in changed)
        {
            StaleFlows.Add(o, n, stale);
            if (o is not null) { Unindex(o); _fragments.Remove(o.Service.Key); healthChanged |= o.Health is not null; }
            if (n is not null) { Index(n); _fragments[n.Service.Key] = n; healthChanged |= n.Health is not null; }
        }

        var inter = new Dictionary<string, string?>(StringComparer.Ordinal);
        var exter = new Dictionary<string, string?>(StringComparer.Ordinal);
        var fw = new Dictionary<string, string?>(StringComparer.Ordinal);
        var backends = new Dictionary<string, string?>(StringComparer.Ordinal);
        var slots = new Dictionary<string, string?>(StringComparer.Ordinal);
        var none = new Dictionary<string, bool>(StringComparer.Ordinal);
        var touchedBackends = new List<string>();
        var touchedSlots = new List<string>();
        foreach (var (key, was) in before)
        {
            var a = FrontendResult.Merge(key, was);
            var b = FrontendResult.Merge(key, _claimants.TryGetValue(key, out var now) ? now : []);
            Replace(inter, key, a.Internal, b.Internal);
            Replace(exter, key, a.External, b.External);
            Replace(fw, key, a.Firewall, b.Firewall);
            if (a.NoEndpoints != b.NoEndpoints) none[key] = b.NoEndpoints;
            Diff(a.Backends, b.Backends, backends, touchedBackends);
            Diff(a.Slots, b.Slots, slots, touchedSlots);
        }
        var health = old.HealthChecks;
        if (healthChanged)
        {
            var list = new List<HealthCheck>();
            foreach (var svc in cluster.Services)
                if (_fragments.TryGetValue(svc.Key, out var f) && f.Health is not null) list.Add(f.Health);
            health = list;
        }
        _node = node;
        _state = new ProxyState(old.ClusterCidr, Layer(old.Internal).With(inter), Layer(old.External).With(exter), Layer(old.Backends).With(backends),
            Layer(old.Slots).With(slots), Layer(old.NoEndpoints).With(none), hairpinState, SameChains(old.Chains) ? old.Chains : Chains(), health)
        {
            Firewall = fw.Count == 0 ? old.Firewall : Layer(old.Firewall).With(fw),
        };
        return new ProxyUpdate(_state, new ProxyTouched(old, before.Keys, touchedBackends, touchedSlots), changed.Count) { StaleFlows = stale };
    }

    /// <summary>Records, for one key's elements before (a) and after (b), what to remove and what to (re)write.</summary>
    private static void Diff(Dictionary<string, string>? a, Dictionary<string, string>? b, Dictionary<string, string?> changes, List<string> touched)
    {
        if (a is not null)
            foreach (var k in a.Keys)
                if (b is null || !b.ContainsKey(k)) { changes[k] = null; touched.Add(k); }
        if (b is not null)
            foreach (var (k, v) in b) { changes[k] = v; touched.Add(k); }
    }

    private static LayeredMap Layer(IReadOnlyDictionary<string, string> published) => (LayeredMap)published;
    private static LayeredSet Layer(IReadOnlySet<string> published) => (LayeredSet)published;

    private void Snapshot(Dictionary<string, ServiceFragment[]> before, string key)
    {
        if (before.ContainsKey(key)) return;
        before[key] = _claimants.TryGetValue(key, out var list) ? list.ToArray() : [];
    }

    private void Index(ServiceFragment frag)
    {
        foreach (var c in frag.Claims)
        {
            if (!_claimants.TryGetValue(c.Key, out var list)) _claimants[c.Key] = list = new List<ServiceFragment>(1);
            if (list.Contains(frag)) continue;
            int at = list.Count;
            while (at > 0 && ServiceFragment.Order(list[at - 1], frag) > 0) at--;
            list.Insert(at, frag);
        }
    }

    private void Unindex(ServiceFragment frag)
    {
        foreach (var c in frag.Claims)
            if (_claimants.TryGetValue(c.Key, out var list))
            {
                list.Remove(frag);
                if (list.Count == 0) _claimants.Remove(c.Key);
            }
    }

    /// <summary>Records one key's new verdict (null = none), keeping the chain reference counts.</summary>
    private void Replace(Dictionary<string, string?> changes, string key, FrontendClaim? was, FrontendClaim? now)
    {
        if (was is not null)
        {
            changes[key] = null;
            if (was.Chain is LbChain c) RemoveChainRef(c);
        }
        if (now is not null)
        {
            changes[key] = now.Verdict;
            AddChainRef(now);
        }
    }

    /// <summary>True when the chain was not in use before.</summary>
    private bool AddChainRef(FrontendClaim c)
    {
        if (c.Chain is not LbChain chain) return false;
        var name = chain.Name;
        if (_chainRefs.TryGetValue(name, out var r)) { _chainRefs[name] = (chain, r.Refs + 1); return false; }
        _chainRefs[name] = (chain, 1);
        return true;
    }

    /// <summary>True when the chain is no longer in use.</summary>
    private bool RemoveChainRef(LbChain chain)
    {
        var name = chain.Name;
        if (!_chainRefs.TryGetValue(name, out var r)) return false;
        if (r.Refs <= 1) { _chainRefs.Remove(name); return true; }
        _chainRefs[name] = (r.Chain, r.Refs - 1);
        return false;
    }

    private bool SameChains(IReadOnlyDictionary<string, LbChain> published)
    {
        if (published.Count != _chainRefs.Count) return false;
        foreach (var name in _chainRefs.Keys) if (!published.ContainsKey(name)) return false;
        return true;
    }

    private Dictionary<string, LbChain> Chains()
    {
        var d = new Dictionary<string, LbChain>(_chainRefs.Count, StringComparer.Ordinal);
        foreach (var (name, (chain, _)) in _chainRefs) d[name] = chain;
        return d;
    }
}
