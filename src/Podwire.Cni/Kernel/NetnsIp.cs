using Podwire.Datapath;

namespace Podwire.Cni.Kernel;

/// <summary>
/// iproute2 as the plugin uses it: batches in the current (node) namespace or in a pod namespace
/// given by path. <c>ip -n</c> only takes names under /run/netns, so any other path (e.g.
/// /proc/PID/ns/net, which real runtimes pass) goes through <c>nsenter --net=PATH ip</c>.
/// </summary>
public sealed class NetnsIp(ICommandRunner runner)
{
    public ICommandRunner Runner { get; } = runner;

    /// <summary>Runs iproute2 lines; returns null on success, else what ip said.</summary>
    public string? Batch(string? netnsPath, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0) return null;
        var text = string.Join('\n', lines) + "\n";
        var r = Run(netnsPath, ["-batch", "-"], text);
        return r.Ok ? null : (r.Stderr + r.Stdout).Trim();
    }

    public CommandResult Run(string? netnsPath, IReadOnlyList<string> ipArgs, string? stdin = null)
    {
        if (netnsPath is null) return Runner.Run("ip", ipArgs, stdin);
        var name = NamedNetns(netnsPath);
        if (name is not null) return Runner.Run("ip", ["-n", name, .. ipArgs], stdin);
        return Runner.Run("nsenter", ["--net=" + netnsPath, "ip", .. ipArgs], stdin);
    }

    /// <summary>The iproute2 name when the path is /run/netns/NAME, else null.</summary>
    public static string? NamedNetns(string path)
    {
        const string prefix = Netns.Dir + "/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var name = path[prefix.Length..];
        return name.Length > 0 && !name.Contains('/') ? name : null;
    }

    /// <summary>
    /// Whether a link exists in the calling process's namespace. /proc/self/net/dev always shows
    /// the caller's own namespace (unlike /sys, which `ip netns exec` has to remount), and costs no
    /// process spawn.
    /// </summary>
    public static bool LocalLinkExists(string name)
    {
        foreach (var line in File.ReadLines("/proc/self/net/dev"))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line.AsSpan(0, colon).Trim().SequenceEqual(name)) return true;
        }
        return false;
    }
}
