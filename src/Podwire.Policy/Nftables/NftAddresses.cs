using System.Net;
using Podwire.Model.Net;

namespace Podwire.Policy.Nftables;

/// <summary>
/// Address lists for nftables interval sets. nft rejects overlapping intervals in one set, and
/// policies overlap freely (two ipBlocks, an ANP network list), so prefixes are merged into
/// disjoint intervals first; each interval prints as a prefix when it is one, else as a range.
/// </summary>
internal static class NftAddresses
{
    public readonly record struct Interval(UInt128 First, UInt128 Last);

    /// <summary>The prefixes of one family as sorted, merged, disjoint intervals.</summary>
    public static List<Interval> Merge(IEnumerable<Cidr> cidrs, bool ipv4)
    {
        var list = new List<Interval>();
        foreach (var c in cidrs)
        {
            if (c.IsIPv4 != ipv4) continue;
            int host = c.HostBits;
            UInt128 size = host >= 128 ? UInt128.MaxValue : ((UInt128)1 << host) - 1;
            // Non-canonical prefixes (10.0.0.5/8) mean their network, as the API server reads them.
            UInt128 first = IpMath.ToValue(c.Network) & ~size;
            list.Add(new Interval(first, first + size));
        }
        list.Sort(static (a, b) => a.First.CompareTo(b.First));
        var merged = new List<Interval>(list.Count);
        foreach (var iv in list)
        {
            if (merged.Count > 0 && (merged[^1].Last == UInt128.MaxValue || iv.First <= merged[^1].Last + 1))
            {
                var last = merged[^1];
                if (iv.Last > last.Last) merged[^1] = last with { Last = iv.Last };
            }
            else merged.Add(iv);
        }
        return merged;
    }

    /// <summary>Single addresses as merged intervals (pod IPs of an identity set).</summary>
    public static List<Interval> FromAddresses(IEnumerable<IPAddress> ips)
    {
        var values = new List<UInt128>();
        foreach (var ip in ips) values.Add(IpMath.ToValue(ip));
        values.Sort();
        var list = new List<Interval>(values.Count);
        foreach (var v in values)
            if (list.Count == 0 || list[^1].Last != v) list.Add(new Interval(v, v));
        return list;
    }

    public static string Format(Interval iv, bool ipv4)
    {
        int bits = ipv4 ? 32 : 128;
        var first = IpMath.FromValue(iv.First, ipv4);
        if (iv.First == iv.Last) return first.ToString();
        UInt128 span = iv.Last - iv.First;
        // A prefix: the span is 2^k - 1 and the first address is aligned to it.
        if (span != UInt128.MaxValue && ((span + 1) & span) == 0 && (iv.First & span) == 0)
        {
            int hostBits = 0;
            for (var s = span; s != 0; s >>= 1) hostBits++;
            return $"{first}/{bits - hostBits}";
        }
        if (span == UInt128.MaxValue || (ipv4 && span == uint.MaxValue)) return $"{first}/0";
        return $"{first}-{IpMath.FromValue(iv.Last, ipv4)}";
    }

    /// <summary>An nft set expression: a bare element when there is one, else <c>{ a, b }</c>.</summary>
    public static string Expression(IReadOnlyList<Interval> intervals, bool ipv4)
    {
        if (intervals.Count == 1) return Format(intervals[0], ipv4);
        var parts = new string[intervals.Count];
        for (int i = 0; i < intervals.Count; i++) parts[i] = Format(intervals[i], ipv4);
        return "{ " + string.Join(", ", parts) + " }";
    }
}
