using System.Security.Cryptography;
using Podwire.Datapath;

namespace Podwire.Lab.Tests.Probe;

/// <summary>A fact that runs only as root on Linux (it touches the kernel); skipped elsewhere.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!IsRoot) Skip = "needs root on Linux (creates network namespaces)";
    }

    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;
}

/// <summary>
/// Two namespaces joined by a veth pair: "server" 10.250.0.1/30 and "client" 10.250.0.2/30, names
/// unique to this test run (pw-t&lt;random&gt;-…). Dispose deletes both, which also removes the pair.
/// </summary>
public sealed class ProbeNetwork : IDisposable
{
    public const string ServerIp = "10.250.0.1";
    public const string ClientIp = "10.250.0.2";

    public string Prefix { get; }
    public string Server { get; }
    public string Client { get; }
    public string ServerLink { get; }
    public string ClientLink { get; }

    public ProbeNetwork()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        Prefix = $"pw-t{id}-";

        Server = Prefix + "srv";
        Client = Prefix + "cli";
        try
        {
            Ip("netns", "add", Server);
            Ip("netns", "add", Client);
            var a = ServerLink = $"pwt{id}s";
            var b = ClientLink = $"pwt{id}c";
            Ip("link", "add", a, "netns", Server, "type", "veth", "peer", b, "netns", Client);
            Ip("-n", Server, "addr", "add", ServerIp + "/30", "dev", a);
            Ip("-n", Client, "addr", "add", ClientIp + "/30", "dev", b);
            foreach (var (ns, dev) in new[] { (Server, a), (Client, b), (Server, "lo"), (Client, "lo") })
                Ip("-n", ns, "link", "set", dev, "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>A fresh "pw-t&lt;random&gt;-" prefix for namespaces a test creates itself.</summary>
    public static string UniquePrefix() => $"pw-t{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}-";

    public static CommandResult Run(string program, params string[] args) => ProcessRunner.Instance.Run(program, args);

    public static void Ip(params string[] args)
    {
        var r = Run("ip", args);
        if (!r.Ok) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {r.Stderr.Trim()}");
    }

    /// <summary>Loads an nftables script inside a namespace (its tables go with the namespace).</summary>
    public static void Nft(string netns, string script)
    {
        var r = Exec(netns, "nft", script);
        if (!r.Ok) throw new InvalidOperationException($"nft {script}: {r.Stderr.Trim()}");
    }

    /// <summary>Runs a program inside a namespace, as a user with <c>ip netns exec</c> would.</summary>
    public static CommandResult Exec(string netns, string program, params string[] args) =>
        Run("ip", ["netns", "exec", netns, program, .. args]);

    public void Dispose()
    {
        foreach (var ns in new[] { Server, Client })
            if (Netns.Exists(ns)) Run("ip", "netns", "del", ns);
    }
}
