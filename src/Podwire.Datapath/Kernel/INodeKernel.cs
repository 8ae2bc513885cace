namespace Podwire.Datapath.Kernel;

/// <summary>
/// The lab's one way to the kernel of its namespaces: namespaces, sysctls, iproute2 and bridge
/// batches, and nftables transactions. Everything the lab changes in a node goes through here,
/// so unit tests swap in <see cref="FakeKernel"/> and see the state that would result. The real
/// one is <see cref="LinuxKernel"/>; which one runs is the caller's configuration, never a type test.
/// </summary>
public interface INodeKernel
{
    /// <summary>Where <c>ip netns exec</c> finds a namespace's /etc overrides (hosts, resolv.conf): /etc/netns on a host.</summary>
    string EtcNetnsRoot { get; }

    void CreateNamespaces(IReadOnlyList<string> names);

    /// <summary>Deletes what exists of <paramref name="names"/>; missing ones are not an error (teardown after a crash).</summary>
    void DeleteNamespaces(IReadOnlyList<string> names);

    IReadOnlyList<string> ListNamespaces(string prefix);

    bool NamespaceExists(string name);

    /// <summary>
    /// Applies one node's script: sysctls, then the ip batch, the bridge batch and the nft
    /// ruleset (one atomic transaction). Throws <see cref="DatapathException"/> naming the step
    /// and the kernel's answer; the nft part is all-or-nothing, as <c>nft -f</c> is.
    /// </summary>
    void Apply(NodeScript script);

    /// <summary>One nft transaction (<c>nft -f -</c>) in <paramref name="netns"/>; all-or-nothing.</summary>
    CommandResult Nft(string netns, string ruleset);

    /// <summary>A sysctl's value in <paramref name="netns"/> (key with dots or slashes), or null when it does not exist.</summary>
    string? ReadSysctl(string netns, string key);

    void WriteSysctl(string netns, string key, string value);

    /// <summary>The GSO/GRO maximum (BIG TCP) on every link of <paramref name="netns"/>; one sentence per link that refused it.</summary>
    IReadOnlyList<string> SetGsoMaxSize(string netns, uint size);
}

/// <summary>How the lab reaches the kernel: chosen at start-up (daemon flags, tests), not discovered.</summary>
public sealed record KernelOptions
{
    /// <summary>nft through in-process libnftables (else <c>nsenter … nft</c> processes).</summary>
    public bool InProcessNft { get; init; } = true;
    public string EtcNetnsRoot { get; init; } = "/etc/netns";
}

public static class SysctlKey
{
    /// <summary>net.ipv4.ip_forward → /proc/sys/net/ipv4/ip_forward.</summary>
    public static string Path(string key) => "/proc/sys/" + key.Replace('.', '/');

    /// <summary>The dotted form, as sysctl(8) prints keys.</summary>
    public static string Dotted(string key) => key.Replace('/', '.');
}
