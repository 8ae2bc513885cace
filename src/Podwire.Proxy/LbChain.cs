using System.Globalization;

namespace Podwire.Proxy;

/// <summary>
/// One shared chain: every frontend with <see cref="Count"/> endpoints and the same flags jumps
/// here. The name encodes the flags so that the chain set is a pure function of them. With
/// <see cref="Allow"/> it is instead a loadBalancerSourceRanges firewall chain (<c>fw-HASH</c>),
/// shared by every LoadBalancer frontend allowing the same sources: it drops the others.
/// </summary>
public readonly record struct LbChain(int Count, bool Masquerade, bool External, int AffinitySeconds, string? Allow = null)
{
    public string Name => Allow is not null
        ? "fw-" + FirewallHash(Allow)
        : "lb" + (Masquerade ? "m" : "") + (External ? "x" : "") + "-" + Count.ToString(CultureInfo.InvariantCulture) +
          (AffinitySeconds > 0 ? "-a" + AffinitySeconds.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>A firewall chain for these allowed sources ("10.0.0.0/8, 192.168.1.0/24", sorted).</summary>
    public static LbChain Firewall(string allow) => new(0, false, false, 0, allow);

    private static string FirewallHash(string allow) => ProxyCompiler.Fnv1a(allow).ToString("x8", CultureInfo.InvariantCulture);

    private const string Frontend = "ip daddr . meta l4proto . th dport";

    private string Draw() =>
        $"meta mark set numgen random mod {Count.ToString(CultureInfo.InvariantCulture)}" +
        (External ? $" offset {ProxyLayout.ExternalOffset.ToString(CultureInfo.InvariantCulture)}" : "");

    /// <summary>The chain's rules, in order (nft syntax without the chain wrapper).</summary>
    public IEnumerable<string> Rules()
    {
        if (Allow is not null)
        {
            // Runs before DNAT (filter, priority -110) on a connection's first packet; falls through when allowed.
            yield return $"ip saddr != {{ {Allow} }} drop";
            yield break;
        }
        var inv = CultureInfo.InvariantCulture;
        if (Masquerade) yield return $"ct mark set ct mark or 0x{ProxyLayout.MasqueradeBit:x}";
        string key = "ip saddr . " + Frontend;
        string update = $"update @{ProxyLayout.AffinityMap} {{ {key} timeout {AffinitySeconds.ToString(inv)}s : meta mark }}";
        if (AffinitySeconds <= 0)
        {
            yield return Draw();
        }
        else
        {
            // A remembered slot wins (and is refreshed) while its endpoint is still in backends; a
            // miss, or a slot whose endpoint is gone, gets a fresh draw, turned into that endpoint's slot.
            yield return $"meta mark set {key} map @{ProxyLayout.AffinityMap} {Frontend} . meta mark @{ProxyLayout.BackendsMap} {update} goto {ProxyLayout.BackendChain}";
            yield return Draw();
            yield return $"meta mark set {Frontend} . meta mark map @{ProxyLayout.SlotsMap}";
            yield return update;
        }
        yield return $"goto {ProxyLayout.BackendChain}";
    }
}
