using Podwire.Datapath;

namespace Podwire.Lab.Tests.Probe;

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

    private readonly NetnsSandbox sandbox = new();

    public ProbeNetwork()
    {
        Prefix = sandbox.Prefix;
        var id = Prefix["pw-t".Length..^1]; // the links need names of their own, within IFNAMSIZ
        Server = Prefix + "srv";
        Client = Prefix + "cli";
        try
        {
            sandbox.Add("srv");
            sandbox.Add("cli");
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
    public static string UniquePrefix() => NetnsSandbox.UniquePrefix();

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

    public void Dispose() => sandbox.Dispose();
}
