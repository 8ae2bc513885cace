using System.Globalization;

namespace Podwire.Proxy;

/// <summary>
/// One shared load-balancing chain: every frontend with <see cref="Count"/> endpoints and the same
/// flags jumps here. The name encodes the flags so that the chain set is a pure function of them.
/// </summary>
public readonly record struct LbChain(int Count, bool Masquerade, bool External, int AffinitySeconds)
{
    public string Name =>
        "lb" + (Masquerade ? "m" : "") + (External ? "x" : "") + "-" + Count.ToString(CultureInfo.InvariantCulture) +
        (AffinitySeconds > 0 ? "-a" + AffinitySeconds.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>The chain's rules, in order (nft syntax without the chain wrapper).</summary>
    public IEnumerable<string> Rules()
    {
        var inv = CultureInfo.InvariantCulture;
        if (Masquerade) yield return $"ct mark set ct mark or 0x{ProxyLayout.MasqueradeBit:x}";
        string key = "ip saddr . ip daddr . meta l4proto . th dport";
        string update = $"update @{ProxyLayout.AffinityMap} {{ {key} timeout {AffinitySeconds.ToString(inv)}s : meta mark }}";
        // A remembered bucket wins (and is refreshed) while it is one of this chain's buckets; a miss,
        // or a bucket left over from when the Service had more endpoints (its backends element is
        // gone, so the DNAT would not match and the packet would go on un-NATed), gets a fresh draw.
        int first = External ? ProxyLayout.ExternalOffset : 0, last = first + Count - 1;
        string range = Count == 1 ? first.ToString(inv) : $"{first.ToString(inv)}-{last.ToString(inv)}";
        if (AffinitySeconds > 0) yield return $"meta mark set {key} map @{ProxyLayout.AffinityMap} meta mark {range} {update} goto {ProxyLayout.BackendChain}";
        yield return $"meta mark set numgen random mod {Count.ToString(inv)}" + (External ? $" offset {ProxyLayout.ExternalOffset.ToString(inv)}" : "");
        if (AffinitySeconds > 0) yield return update;
        yield return $"goto {ProxyLayout.BackendChain}";
    }
}
