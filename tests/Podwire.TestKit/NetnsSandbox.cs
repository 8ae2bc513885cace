using System.Security.Cryptography;

namespace Podwire.TestKit;

/// <summary>
/// Network namespaces one test creates, all named with a prefix unique to it (pw-t&lt;hex&gt;-…, so
/// a left-over one is recognisably a test's), and all deleted on Dispose, also after a failure.
/// Root only: use it from a [RootFact].
/// </summary>
public sealed class NetnsSandbox : IDisposable
{
    public const string RunDir = "/run/netns";

    public string Prefix { get; } = UniquePrefix();

    /// <summary>A fresh "pw-t&lt;hex&gt;-" prefix.</summary>
    public static string UniquePrefix() => $"pw-t{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}-";

    /// <summary>Creates namespace PREFIX+SUFFIX (with its loopback up when asked) and returns its name.</summary>
    public string Add(string suffix, bool loopbackUp = false)
    {
        var name = Prefix + suffix;
        Ip("netns", "add", name);
        if (loopbackUp) Ip("-n", name, "link", "set", "lo", "up");
        return name;
    }

    public static bool Exists(string name) => File.Exists(Path.Combine(RunDir, name));

    /// <summary>The sandbox's namespaces that exist now.</summary>
    public IReadOnlyList<string> List() =>
        Directory.Exists(RunDir) ? [.. Directory.GetFiles(RunDir, Prefix + "*").Select(Path.GetFileName).Order(StringComparer.Ordinal)!] : [];

    /// <summary><c>ip ARGS…</c>; a failure throws with ip's own message.</summary>
    public static void Ip(params string[] args)
    {
        var r = Programs.Run("ip", args);
        if (!r.Ok) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {r.Stderr.Trim()}");
    }

    /// <summary>Runs a program inside a namespace, as a user with <c>ip netns exec</c> would.</summary>
    public static RunResult Exec(string netns, string program, params string[] args) =>
        Programs.Run("ip", ["netns", "exec", netns, program, .. args]);

    /// <summary>Loads an nftables script inside a namespace (<c>nft -c</c> with check: validated by the kernel, then aborted).</summary>
    public static RunResult Nft(string netns, string script, bool check = false) =>
        Programs.Run("ip", check ? ["netns", "exec", netns, "nft", "-c", "-f", "-"] : ["netns", "exec", netns, "nft", "-f", "-"], script);

    public void Dispose()
    {
        foreach (var ns in List()) Programs.Run("ip", "netns", "del", ns);
        // ip netns exec bind-mounts /etc/netns/NAME when it exists; a test that wrote one leaves nothing either.
        if (Directory.Exists("/etc/netns"))
            foreach (var d in Directory.GetDirectories("/etc/netns", Prefix + "*")) Directory.Delete(d, recursive: true);
    }
}

/// <summary>One throwaway namespace: created now, deleted on Dispose.</summary>
public sealed class TestNetns : IDisposable
{
    private readonly NetnsSandbox sandbox = new();

    public string Name { get; }

    public TestNetns(string suffix = "ns", bool loopbackUp = false)
    {
        try { Name = sandbox.Add(suffix, loopbackUp); }
        catch { sandbox.Dispose(); throw; }
    }

    public RunResult Exec(params string[] args) => NetnsSandbox.Exec(Name, args[0], args[1..]);

    public RunResult Nft(string script, bool check = false) => NetnsSandbox.Nft(Name, script, check);

    public void Dispose() => sandbox.Dispose();
}
