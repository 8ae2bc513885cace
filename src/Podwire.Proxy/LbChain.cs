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
        // A remembered bucket wins (and is refreshed); a lookup miss falls through to a fresh draw.
        if (AffinitySeconds > 0) yield return $"meta mark set {key} map @{ProxyLayout.AffinityMap} {update} goto {ProxyLayout.BackendChain}";
        yield return $"meta mark set numgen random mod {Count.ToString(inv)}" + (External ? $" offset {ProxyLayout.ExternalOffset.ToString(inv)}" : "");
        if (AffinitySeconds > 0) yield return update;
        yield return $"goto {ProxyLayout.BackendChain}";
    }
}
