using System.Text;

namespace Podwire.Proxy;

/// <summary>
/// Writes a <see cref="ProxyState"/> as nftables text: the whole table (the text path's full
/// resync, golden files), the element delta between two states, each meant for one <c>nft -f</c>
/// (one kernel transaction); and, for the netlink path (<see cref="ProxyElements"/> carries the
/// elements), the table without elements (<see cref="RenderSkeleton"/>) and chain changes. Pure
/// and deterministic: elements are sorted ordinally.
/// </summary>
public static class ProxyRenderer
{
    private const string Key = "ip daddr . meta l4proto . th dport";
    private const string FrontendType = "ipv4_addr . inet_proto . inet_service";

    private static readonly Dictionary<string, string> NoElements = new(StringComparer.Ordinal);
    private static readonly HashSet<string> NoMembers = new(StringComparer.Ordinal);

    /// <summary>The table definition alone (what golden files hold).</summary>
    public static string RenderTable(ProxyState s)
    {
        var w = new StringBuilder(64 + s.ElementCount * 48);
        w.Append("table ").Append(ProxyLayout.TableRef).Append(" {\n");
        Declarations(w, s, withElements: true);
        foreach (var (name, hook, rules) in FixedChains(s)) Chain(w, name, hook, rules);
        foreach (var c in Sorted(s.Chains.Keys)) Chain(w, c, null, s.Chains[c].Rules());
        w.Append("}\n");
        return w.ToString();
    }

    private static void Declarations(StringBuilder w, ProxyState s, bool withElements)
    {
        Map(w, ProxyLayout.InternalMap, FrontendType + " : verdict", withElements ? s.Internal : NoElements);
        Map(w, ProxyLayout.ExternalMap, FrontendType + " : verdict", withElements ? s.External : NoElements);
        Map(w, ProxyLayout.BackendsMap, FrontendType + " . mark : ipv4_addr . inet_service", withElements ? s.Backends : NoElements);
        Map(w, ProxyLayout.SlotsMap, FrontendType + " . mark : mark", withElements ? s.Slots : NoElements);
        Map(w, ProxyLayout.FirewallMap, FrontendType + " : verdict", withElements ? s.Firewall : NoElements);
        w.Append("  map ").Append(ProxyLayout.AffinityMap).Append(" {\n    type ipv4_addr . ").Append(FrontendType)
            .Append(" : mark\n    size ").Append(ProxyLayout.AffinitySize).Append("\n    flags dynamic,timeout\n  }\n");
        Set(w, ProxyLayout.NoEndpointsSet, FrontendType, withElements ? s.NoEndpoints : NoMembers);
        Set(w, ProxyLayout.HairpinSet, "ipv4_addr . ipv4_addr", withElements ? s.Hairpin : NoMembers);
    }

    /// <summary>The chains every node has, in order: name, hook line (null for a regular chain), rules.</summary>
    private static List<(string Name, string? Hook, string[] Rules)> FixedChains(ProxyState s) =>
    [
        ("nat-prerouting", "type nat hook prerouting priority dstnat; policy accept;", ["jump services"]),
        ("nat-output", "type nat hook output priority -100; policy accept;", ["jump services"]),
        ("nat-postrouting", "type nat hook postrouting priority srcnat; policy accept;",
        [
            $"ct mark and 0x{ProxyLayout.MasqueradeBit:x} == 0x{ProxyLayout.MasqueradeBit:x} masquerade",
            $"ct status dnat ip saddr . ip daddr @{ProxyLayout.HairpinSet} masquerade",
        ]),
        // Before DNAT: sources outside a LoadBalancer's source ranges are dropped, then a VIP
        // without endpoints (no route, no DNAT) is rejected.
        ("filter-prerouting", "type filter hook prerouting priority -110; policy accept;",
            [$"ct state new {Key} vmap @{ProxyLayout.FirewallMap}", $"ct state new {Key} @{ProxyLayout.NoEndpointsSet} goto {ProxyLayout.RejectChain}"]),
        ("filter-output", "type filter hook output priority -110; policy accept;",
            [$"ct state new {Key} vmap @{ProxyLayout.FirewallMap}", $"ct state new {Key} @{ProxyLayout.NoEndpointsSet} goto {ProxyLayout.RejectChain}"]),
        ("services", null,
        [
            $"ip saddr {s.ClusterCidr} {Key} vmap @{ProxyLayout.InternalMap}",
            $"fib saddr type local {Key} vmap @{ProxyLayout.InternalMap}",
            $"{Key} vmap @{ProxyLayout.ExternalMap}",
        ]),
        (ProxyLayout.BackendChain, null, [$"dnat ip to {Key} . meta mark map @{ProxyLayout.BackendsMap}"]),
        (ProxyLayout.RejectChain, null, ["meta l4proto tcp reject with tcp reset", "reject"]),
    ];

    /// <summary>
    /// The whole-table transaction: create-if-missing, delete, define. Used for the first sync and
    /// every full resync of the text path; nothing of an older table survives, dynamic affinity
    /// entries included.
    /// </summary>
    public static string RenderFull(ProxyState s) =>
        $"add table {ProxyLayout.TableRef}\ndelete table {ProxyLayout.TableRef}\n" + RenderTable(s);

    /// <summary>
    /// The table without any element, made to be applied over whatever table is there (the
    /// netlink path's full resync, whose elements follow in one netlink batch): maps, sets and
    /// chains are created if missing, every chain of <paramref name="s"/> has its rules replaced.
    /// Existing elements stay, so Services keep working until the batch swaps them. Chains the
    /// state no longer uses are left for the caller to delete once no element points at them.
    /// </summary>
    public static string RenderSkeleton(ProxyState s)
    {
        var w = new StringBuilder(4096);
        w.Append("add table ").Append(ProxyLayout.TableRef).Append('\n');
        w.Append("table ").Append(ProxyLayout.TableRef).Append(" {\n");
        Declarations(w, s, withElements: false);
        var fixedChains = FixedChains(s);
        foreach (var (name, hook, _) in fixedChains) Chain(w, name, hook, []);
        var lb = Sorted(s.Chains.Keys);
        foreach (var c in lb) Chain(w, c, null, []);
        w.Append("}\n");
        foreach (var (name, _, rules) in fixedChains) Rules(w, name, rules, flush: true);
        foreach (var c in lb) Rules(w, c, s.Chains[c].Rules(), flush: true);
        return w.ToString();
    }

    /// <summary>
    /// Creates the chains a delta needs, before any element points at them. With
    /// <paramref name="flush"/> a chain that exists already is emptied first, so its rules are
    /// never doubled (the netlink path, which applies chains and elements separately).
    /// </summary>
    public static string RenderChainAdds(ProxyDelta d, IEnumerable<string>? chains = null, bool flush = false)
    {
        var w = new StringBuilder();
        foreach (var c in chains ?? d.ChainsAdded)
        {
            w.Append("add chain ").Append(ProxyLayout.TableRef).Append(' ').Append(c).Append('\n');
            Rules(w, c, d.New.Chains[c].Rules(), flush);
        }
        return w.ToString();
    }

    /// <summary>Deletes chains, once no element points at them.</summary>
    public static string RenderChainDeletes(IEnumerable<string> chains)
    {
        var w = new StringBuilder();
        foreach (var c in chains) w.Append("delete chain ").Append(ProxyLayout.TableRef).Append(' ').Append(c).Append('\n');
        return w.ToString();
    }

    private static void Rules(StringBuilder w, string chain, IEnumerable<string> rules, bool flush)
    {
        if (flush) w.Append("flush chain ").Append(ProxyLayout.TableRef).Append(' ').Append(chain).Append('\n');
        foreach (var r in rules) w.Append("add rule ").Append(ProxyLayout.TableRef).Append(' ').Append(chain).Append(' ').Append(r).Append('\n');
    }

    /// <summary>
    /// The transaction turning <paramref name="old"/> into <paramref name="neu"/>: new chains, then
    /// element deletes (a changed value is a delete + add of its key), then adds, then chains no
    /// element uses any more. Empty when nothing changed.
    /// </summary>
    public static string RenderDelta(ProxyState old, ProxyState neu) => RenderDelta(ProxyDelta.Compute(old, neu));

    public static string RenderDelta(ProxyDelta d)
    {
        var w = new StringBuilder(RenderChainAdds(d));
        // Verdict maps first on delete (they reference chains), backends first on add (the DNAT
        // must find its endpoint once the verdict points at a chain). One transaction anyway.
        Elements(w, "delete", ProxyLayout.InternalMap, d.InternalDeleted, null);
        Elements(w, "delete", ProxyLayout.ExternalMap, d.ExternalDeleted, null);
        Elements(w, "delete", ProxyLayout.FirewallMap, d.FirewallDeleted, null);
        Elements(w, "delete", ProxyLayout.BackendsMap, d.BackendsDeleted, null);
        Elements(w, "delete", ProxyLayout.SlotsMap, d.SlotsDeleted, null);
        Elements(w, "delete", ProxyLayout.NoEndpointsSet, d.NoEndpointsDeleted, null);
        Elements(w, "delete", ProxyLayout.HairpinSet, d.HairpinDeleted, null);
        Elements(w, "add", ProxyLayout.BackendsMap, d.BackendsAdded, d.New.Backends);
        Elements(w, "add", ProxyLayout.SlotsMap, d.SlotsAdded, d.New.Slots);
        Elements(w, "add", ProxyLayout.InternalMap, d.InternalAdded, d.New.Internal);
        Elements(w, "add", ProxyLayout.ExternalMap, d.ExternalAdded, d.New.External);
        Elements(w, "add", ProxyLayout.FirewallMap, d.FirewallAdded, d.New.Firewall);
        Elements(w, "add", ProxyLayout.NoEndpointsSet, d.NoEndpointsAdded, null);
        Elements(w, "add", ProxyLayout.HairpinSet, d.HairpinAdded, null);
        w.Append(RenderChainDeletes(d.ChainsRemoved));
        return w.ToString();
    }

    private static void Elements(StringBuilder w, string verb, string name, List<string> keys, IReadOnlyDictionary<string, string>? values)
    {
        if (keys.Count == 0) return;
        w.Append(verb).Append(" element ").Append(ProxyLayout.TableRef).Append(' ').Append(name).Append(" { ");
        for (int i = 0; i < keys.Count; i++)
        {
            if (i > 0) w.Append(", ");
            w.Append(keys[i]);
            if (values is not null) w.Append(" : ").Append(values[keys[i]]);
        }
        w.Append(" }\n");
    }

    private static void Map(StringBuilder w, string name, string type, IReadOnlyDictionary<string, string> elements)
    {
        w.Append("  map ").Append(name).Append(" {\n    type ").Append(type).Append('\n');
        if (elements.Count > 0)
        {
            w.Append("    elements = {\n");
            foreach (var k in Sorted(elements.Keys)) w.Append("      ").Append(k).Append(" : ").Append(elements[k]).Append(",\n");
            w.Append("    }\n");
        }
        w.Append("  }\n");
    }

    private static void Set(StringBuilder w, string name, string type, IReadOnlySet<string> elements)
    {
        w.Append("  set ").Append(name).Append(" {\n    type ").Append(type).Append('\n');
        if (elements.Count > 0)
        {
            w.Append("    elements = {\n");
            foreach (var k in Sorted(elements)) w.Append("      ").Append(k).Append(",\n");
            w.Append("    }\n");
        }
        w.Append("  }\n");
    }

    private static void Chain(StringBuilder w, string name, string? hook, IEnumerable<string> rules)
    {
        w.Append("  chain ").Append(name).Append(" {\n");
        if (hook is not null) w.Append("    ").Append(hook).Append('\n');
        foreach (var r in rules) w.Append("    ").Append(r).Append('\n');
        w.Append("  }\n");
    }

    private static List<string> Sorted(IEnumerable<string> keys)
    {
        var l = new List<string>(keys);
        l.Sort(StringComparer.Ordinal);
        return l;
    }
}
