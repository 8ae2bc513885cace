using System.Text;

namespace Podwire.Proxy;

/// <summary>
/// Writes a <see cref="ProxyState"/> as nftables text: the whole table (first sync, full resync,
/// golden files) or the element delta between two states (every other sync). Both are meant for
/// one <c>nft -f</c>, which the kernel applies as one transaction. Pure and deterministic: elements
/// are sorted ordinally.
/// </summary>
public static class ProxyRenderer
{
    private const string Key = "ip daddr . meta l4proto . th dport";
    private const string FrontendType = "ipv4_addr . inet_proto . inet_service";

    /// <summary>The table definition alone (what golden files hold).</summary>
    public static string RenderTable(ProxyState s)
    {
        var w = new StringBuilder(64 + s.ElementCount * 48);
        w.Append("table ").Append(ProxyLayout.TableRef).Append(" {\n");
        Map(w, ProxyLayout.InternalMap, FrontendType + " : verdict", s.Internal);
        Map(w, ProxyLayout.ExternalMap, FrontendType + " : verdict", s.External);
        Map(w, ProxyLayout.BackendsMap, FrontendType + " . mark : ipv4_addr . inet_service", s.Backends);
        w.Append("  map ").Append(ProxyLayout.AffinityMap).Append(" {\n    type ipv4_addr . ").Append(FrontendType)
            .Append(" : mark\n    size ").Append(ProxyLayout.AffinitySize).Append("\n    flags dynamic,timeout\n  }\n");
        Set(w, ProxyLayout.NoEndpointsSet, FrontendType, s.NoEndpoints);
        Set(w, ProxyLayout.HairpinSet, "ipv4_addr . ipv4_addr", s.Hairpin);

        Chain(w, "nat-prerouting", "type nat hook prerouting priority dstnat; policy accept;", ["jump services"]);
        Chain(w, "nat-output", "type nat hook output priority -100; policy accept;", ["jump services"]);
        Chain(w, "nat-postrouting", "type nat hook postrouting priority srcnat; policy accept;",
        [
            $"ct mark and 0x{ProxyLayout.MasqueradeBit:x} == 0x{ProxyLayout.MasqueradeBit:x} masquerade",
            $"ct status dnat ip saddr . ip daddr @{ProxyLayout.HairpinSet} masquerade",
        ]);
        // Reject before routing: a VIP without endpoints has no route and no DNAT.
        Chain(w, "filter-prerouting", "type filter hook prerouting priority -110; policy accept;",
            [$"ct state new {Key} @{ProxyLayout.NoEndpointsSet} goto {ProxyLayout.RejectChain}"]);
        Chain(w, "filter-output", "type filter hook output priority -110; policy accept;",
            [$"ct state new {Key} @{ProxyLayout.NoEndpointsSet} goto {ProxyLayout.RejectChain}"]);
        Chain(w, "services", null,
        [
            $"ip saddr {s.ClusterCidr} {Key} vmap @{ProxyLayout.InternalMap}",
            $"fib saddr type local {Key} vmap @{ProxyLayout.InternalMap}",
            $"{Key} vmap @{ProxyLayout.ExternalMap}",
        ]);
        Chain(w, ProxyLayout.BackendChain, null, [$"dnat ip to {Key} . meta mark map @{ProxyLayout.BackendsMap}"]);
        Chain(w, ProxyLayout.RejectChain, null, ["meta l4proto tcp reject with tcp reset", "reject"]);
        foreach (var c in Sorted(s.Chains.Keys)) Chain(w, c, null, s.Chains[c].Rules());
        w.Append("}\n");
        return w.ToString();
    }

    /// <summary>
    /// The whole-table transaction: create-if-missing, delete, define. Used for the first sync and
    /// every full resync; nothing of an older table survives, dynamic affinity entries included.
    /// </summary>
    public static string RenderFull(ProxyState s) =>
        $"add table {ProxyLayout.TableRef}\ndelete table {ProxyLayout.TableRef}\n" + RenderTable(s);

    /// <summary>
    /// The transaction turning <paramref name="old"/> into <paramref name="neu"/>: new chains, then
    /// element deletes (a changed value is a delete + add of its key), then adds, then chains no
    /// element uses any more. Empty when nothing changed.
    /// </summary>
    public static string RenderDelta(ProxyState old, ProxyState neu)
    {
        var w = new StringBuilder();
        foreach (var c in Sorted(neu.Chains.Keys))
        {
            if (old.Chains.ContainsKey(c)) continue;
            w.Append("add chain ").Append(ProxyLayout.TableRef).Append(' ').Append(c).Append('\n');
            foreach (var r in neu.Chains[c].Rules()) w.Append("add rule ").Append(ProxyLayout.TableRef).Append(' ').Append(c).Append(' ').Append(r).Append('\n');
        }
        // Verdict maps first on delete (they reference chains), backends first on add (the DNAT
        // must find its endpoint once the verdict points at a chain). One transaction anyway.
        DeleteChanged(w, ProxyLayout.InternalMap, old.Internal, neu.Internal);
        DeleteChanged(w, ProxyLayout.ExternalMap, old.External, neu.External);
        DeleteChanged(w, ProxyLayout.BackendsMap, old.Backends, neu.Backends);
        DeleteMissing(w, ProxyLayout.NoEndpointsSet, old.NoEndpoints, neu.NoEndpoints);
        DeleteMissing(w, ProxyLayout.HairpinSet, old.Hairpin, neu.Hairpin);
        AddChanged(w, ProxyLayout.BackendsMap, old.Backends, neu.Backends);
        AddChanged(w, ProxyLayout.InternalMap, old.Internal, neu.Internal);
        AddChanged(w, ProxyLayout.ExternalMap, old.External, neu.External);
        DeleteMissing(w, ProxyLayout.NoEndpointsSet, neu.NoEndpoints, old.NoEndpoints, add: true);
        DeleteMissing(w, ProxyLayout.HairpinSet, neu.Hairpin, old.Hairpin, add: true);
        foreach (var c in Sorted(old.Chains.Keys))
            if (!neu.Chains.ContainsKey(c)) w.Append("delete chain ").Append(ProxyLayout.TableRef).Append(' ').Append(c).Append('\n');
        return w.ToString();
    }

    private static void DeleteChanged(StringBuilder w, string map, IReadOnlyDictionary<string, string> old, IReadOnlyDictionary<string, string> neu)
    {
        var keys = new List<string>();
        foreach (var (k, v) in old)
            if (!neu.TryGetValue(k, out var nv) || nv != v) keys.Add(k);
        Elements(w, "delete", map, keys, null);
    }

    private static void AddChanged(StringBuilder w, string map, IReadOnlyDictionary<string, string> old, IReadOnlyDictionary<string, string> neu)
    {
        var keys = new List<string>();
        foreach (var (k, v) in neu)
            if (!old.TryGetValue(k, out var ov) || ov != v) keys.Add(k);
        Elements(w, "add", map, keys, neu);
    }

    /// <summary>Elements of <paramref name="from"/> missing in <paramref name="to"/>: deleted, or added with <paramref name="add"/>.</summary>
    private static void DeleteMissing(StringBuilder w, string set, IReadOnlySet<string> from, IReadOnlySet<string> to, bool add = false)
    {
        var keys = new List<string>();
        foreach (var k in from) if (!to.Contains(k)) keys.Add(k);
        Elements(w, add ? "add" : "delete", set, keys, null);
    }

    private static void Elements(StringBuilder w, string verb, string name, List<string> keys, IReadOnlyDictionary<string, string>? values)
    {
        if (keys.Count == 0) return;
        keys.Sort(StringComparer.Ordinal);
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
