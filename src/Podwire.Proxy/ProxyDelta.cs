namespace Podwire.Proxy;

/// <summary>
/// What turns <see cref="Old"/> into <see cref="New"/>: element keys to delete and to add per map
/// or set (a changed value is a delete plus an add of its key; added values are read from New),
/// chains to create first and chains to remove last. Every list is sorted ordinally, so both the
/// nft text and the netlink batch written from it are deterministic.
/// </summary>
public sealed class ProxyDelta
{
    public required ProxyState Old { get; init; }
    public required ProxyState New { get; init; }
    public List<string> ChainsAdded { get; } = [];
    public List<string> ChainsRemoved { get; } = [];
    public List<string> InternalDeleted { get; } = [];
    public List<string> ExternalDeleted { get; } = [];
    public List<string> BackendsDeleted { get; } = [];
    public List<string> SlotsDeleted { get; } = [];
    public List<string> NoEndpointsDeleted { get; } = [];
    public List<string> HairpinDeleted { get; } = [];
    public List<string> FirewallDeleted { get; } = [];
    public List<string> FirewallAdded { get; } = [];
    public List<string> InternalAdded { get; } = [];
    public List<string> ExternalAdded { get; } = [];
    public List<string> BackendsAdded { get; } = [];
    public List<string> SlotsAdded { get; } = [];
    public List<string> NoEndpointsAdded { get; } = [];
    public List<string> HairpinAdded { get; } = [];

    public bool HasElements =>
        InternalDeleted.Count + ExternalDeleted.Count + BackendsDeleted.Count + SlotsDeleted.Count + NoEndpointsDeleted.Count + HairpinDeleted.Count
        + InternalAdded.Count + ExternalAdded.Count + BackendsAdded.Count + SlotsAdded.Count + NoEndpointsAdded.Count + HairpinAdded.Count
        + FirewallDeleted.Count + FirewallAdded.Count > 0;

    public bool IsEmpty => !HasElements && ChainsAdded.Count == 0 && ChainsRemoved.Count == 0;

    /// <summary>
    /// The delta, comparing every element, or — when <paramref name="touched"/> says which keys
    /// an update may have changed since <paramref name="old"/> — comparing those keys only.
    /// </summary>
    public static ProxyDelta Compute(ProxyState old, ProxyState neu, ProxyTouched? touched = null)
    {
        var d = new ProxyDelta { Old = old, New = neu };
        foreach (var c in neu.Chains.Keys) if (!old.Chains.ContainsKey(c)) d.ChainsAdded.Add(c);
        foreach (var c in old.Chains.Keys) if (!neu.Chains.ContainsKey(c)) d.ChainsRemoved.Add(c);
        if (touched is not null && ReferenceEquals(touched.Base, old))
        {
            foreach (var k in touched.Frontends)
            {
                Compare(k, old.Internal, neu.Internal, d.InternalDeleted, d.InternalAdded);
                Compare(k, old.External, neu.External, d.ExternalDeleted, d.ExternalAdded);
                Compare(k, old.Firewall, neu.Firewall, d.FirewallDeleted, d.FirewallAdded);
                bool was = old.NoEndpoints.Contains(k), now = neu.NoEndpoints.Contains(k);
                if (was && !now) d.NoEndpointsDeleted.Add(k);
                if (now && !was) d.NoEndpointsAdded.Add(k);
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var k in touched.BackendKeys)
                if (seen.Add(k)) Compare(k, old.Backends, neu.Backends, d.BackendsDeleted, d.BackendsAdded);
            seen.Clear();
            foreach (var k in touched.SlotKeys)
                if (seen.Add(k)) Compare(k, old.Slots, neu.Slots, d.SlotsDeleted, d.SlotsAdded);
        }
        else
        {
            Changed(old.Internal, neu.Internal, d.InternalDeleted, d.InternalAdded);
            Changed(old.External, neu.External, d.ExternalDeleted, d.ExternalAdded);
            Changed(old.Firewall, neu.Firewall, d.FirewallDeleted, d.FirewallAdded);
            Changed(old.Backends, neu.Backends, d.BackendsDeleted, d.BackendsAdded);
            Changed(old.Slots, neu.Slots, d.SlotsDeleted, d.SlotsAdded);
            Missing(old.NoEndpoints, neu.NoEndpoints, d.NoEndpointsDeleted);
            Missing(neu.NoEndpoints, old.NoEndpoints, d.NoEndpointsAdded);
        }
        if (!ReferenceEquals(old.Hairpin, neu.Hairpin))
        {
            Missing(old.Hairpin, neu.Hairpin, d.HairpinDeleted);
            Missing(neu.Hairpin, old.Hairpin, d.HairpinAdded);
        }
        foreach (var l in new[] { d.ChainsAdded, d.ChainsRemoved, d.InternalDeleted, d.ExternalDeleted, d.BackendsDeleted, d.SlotsDeleted, d.NoEndpointsDeleted,
                     d.HairpinDeleted, d.InternalAdded, d.ExternalAdded, d.BackendsAdded, d.SlotsAdded, d.NoEndpointsAdded, d.HairpinAdded,
                     d.FirewallDeleted, d.FirewallAdded })
            l.Sort(StringComparer.Ordinal);
        return d;
    }

    private static void Compare(string k, IReadOnlyDictionary<string, string> old, IReadOnlyDictionary<string, string> neu, List<string> deleted, List<string> added)
    {
        bool had = old.TryGetValue(k, out var ov), has = neu.TryGetValue(k, out var nv);
        if (had && (!has || ov != nv)) deleted.Add(k);
        if (has && (!had || ov != nv)) added.Add(k);
    }

    private static void Changed(IReadOnlyDictionary<string, string> old, IReadOnlyDictionary<string, string> neu, List<string> deleted, List<string> added)
    {
        if (ReferenceEquals(old, neu)) return;
        foreach (var (k, v) in old)
            if (!neu.TryGetValue(k, out var nv) || nv != v) deleted.Add(k);
        foreach (var (k, v) in neu)
            if (!old.TryGetValue(k, out var ov) || ov != v) added.Add(k);
    }

    private static void Missing(IReadOnlySet<string> from, IReadOnlySet<string> to, List<string> result)
    {
        if (ReferenceEquals(from, to)) return;
        foreach (var k in from) if (!to.Contains(k)) result.Add(k);
    }
}
