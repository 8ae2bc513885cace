namespace Podwire.Datapath.Kernel;

/// <summary>
/// Everything to run inside one node's namespace, as text: iproute2 lines (one <c>ip -batch</c>),
/// bridge FDB lines (one <c>bridge -batch</c>) and an nftables ruleset (one atomic <c>nft -f</c>).
/// Rendering is pure so golden tests can check it without a kernel.
/// </summary>
public sealed class NodeScript(string netns)
{
    public string Netns { get; } = netns;
    public List<string> Ip { get; } = [];
    public List<string> Bridge { get; } = [];
    public List<string> Nft { get; } = [];
    public Dictionary<string, string> Sysctls { get; } = new(StringComparer.Ordinal);

    public string Render() =>
        $"# netns {Netns}\n" +
        string.Concat(Sysctls.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"sysctl {k.Key}={k.Value}\n")) +
        string.Concat(Ip.Select(l => $"ip {l}\n")) +
        string.Concat(Bridge.Select(l => $"bridge {l}\n")) +
        (Nft.Count > 0 ? "nft:\n" + string.Concat(Nft.Select(l => $"  {l}\n")) : "");
}
