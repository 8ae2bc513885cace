using Podwire.Model;
using Podwire.Policy.Ir;

namespace Podwire.Policy.Nftables;

/// <summary>
/// A clause's ports as one nft match: <c>tcp dport { 80, 81-90 }</c> when one protocol is
/// involved, else <c>meta l4proto . th dport { tcp . 80, udp . 53 }</c> (a concatenated interval
/// set), so a clause stays one rule whatever its port list. Empty = every port of every protocol.
/// </summary>
internal static class NftPorts
{
    public static string Expression(IReadOnlyList<IrPortRange> ranges)
    {
        if (ranges.Count == 0) return "";
        var sorted = new List<IrPortRange>(ranges);
        sorted.Sort(static (a, b) => a.Protocol != b.Protocol ? a.Protocol.CompareTo(b.Protocol) : a.First.CompareTo(b.First));
        // Overlapping intervals are an error in an nft set: merge per protocol.
        var merged = new List<IrPortRange>(sorted.Count);
        foreach (var r in sorted)
        {
            if (merged.Count > 0 && merged[^1].Protocol == r.Protocol && r.First <= merged[^1].Last + 1)
            {
                if (r.Last > merged[^1].Last) merged[^1] = merged[^1] with { Last = r.Last };
            }
            else merged.Add(r);
        }
        bool oneProtocol = true;
        foreach (var r in merged) oneProtocol &= r.Protocol == merged[0].Protocol;
        var parts = new List<string>(merged.Count);
        if (oneProtocol)
        {
            foreach (var r in merged) parts.Add(Range(r));
            return $"{Name(merged[0].Protocol)} dport {Set(parts)}";
        }
        foreach (var r in merged) parts.Add($"{Name(r.Protocol)} . {Range(r)}");
        return $"meta l4proto . th dport {Set(parts)}";
    }

    private static string Set(List<string> parts) => parts.Count == 1 ? parts[0] : "{ " + string.Join(", ", parts) + " }";

    private static string Range(IrPortRange r) => r.First == r.Last ? r.First.ToString() : $"{r.First}-{r.Last}";

    public static string Name(Protocol p) => p switch
    {
        Protocol.UDP => "udp",
        Protocol.SCTP => "sctp",
        _ => "tcp",
    };
}
