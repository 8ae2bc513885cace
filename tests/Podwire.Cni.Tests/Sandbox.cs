using System.Text.Json.Nodes;
using Podwire.Cni;
using Podwire.Cni.Runtime;
using Podwire.Datapath;

namespace Podwire.Cni.Tests;

/// <summary>
/// Everything one kernel test creates: namespaces named pw-t&lt;random&gt;-…, a plugin dir (our
/// binary as podwire-cni and podwire-ipam, plus the reference plugins), IPAM and cache dirs.
/// Dispose removes all of it, also after a failure.
/// </summary>
public sealed class Sandbox : IDisposable
{
    public const string ReferenceDir = "/usr/lib/cni";
    private readonly NetnsSandbox namespaces = new();
    public string Prefix => namespaces.Prefix;
    public string Root { get; }
    public string PluginDir => Path.Combine(Root, "bin");
    public string DataDir => Path.Combine(Root, "ipam");
    public string CacheDir => Path.Combine(Root, "cache");

    public Sandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), Prefix + "state");
        Directory.CreateDirectory(PluginDir);
        var bin = PluginBinary.Path;
        File.CreateSymbolicLink(Path.Combine(PluginDir, "podwire-cni"), bin);
        File.CreateSymbolicLink(Path.Combine(PluginDir, "podwire-ipam"), bin);
        ReferencePlugins.EnsureInstalled();
        if (Directory.Exists(ReferenceDir))
            foreach (var f in Directory.GetFiles(ReferenceDir))
                File.CreateSymbolicLink(Path.Combine(PluginDir, Path.GetFileName(f)), f);
    }

    public string AddNetns(string suffix) => namespaces.Add(suffix);

    public static string PathOf(string netns) => Netns.PathOf(netns);

    public void DeleteNetns(string name) => ProcessRunner.Instance.Run("ip", ["netns", "del", name]);

    public CniRuntime Runtime(string nodeNetns) => new([PluginDir], CacheDir, ProcessRunner.Instance, nodeNetns);

    /// <summary>Calls a plugin binary directly, as a runtime does, inside the node namespace.</summary>
    public (string Stdout, int Exit, JsonObject? Json) Call(string nodeNetns, string plugin, string stdin, string command,
        string? containerId = null, string? netns = null, string? ifName = null, string? args = null, bool withPath = true)
    {
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId ?? "",
            ["CNI_NETNS"] = netns ?? "",
            ["CNI_IFNAME"] = ifName ?? "",
            ["CNI_ARGS"] = args ?? "",
            ["CNI_PATH"] = withPath ? PluginDir : "",
        };
        var r = ProcessRunner.Instance.Run("ip", ["netns", "exec", nodeNetns, Path.Combine(PluginDir, plugin)], stdin, env);
        return (r.Stdout, r.ExitCode, Podwire.Cni.Json.TryParseObject(r.Stdout));
    }

    public CommandResult Ip(string netns, params string[] args) => ProcessRunner.Instance.Run("ip", ["-n", netns, .. args]);

    public void Dispose()
    {
        namespaces.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}

/// <summary>Finds the framework-dependent podwire-cni apphost built next to the tests.</summary>
public static class PluginBinary
{
    public static string Path => _path.Value;

    private static readonly Lazy<string> _path = new(() =>
    {
        // PODWIRE_CNI_BIN runs the suite against another build, e.g. the NativeAOT one.
        if (Environment.GetEnvironmentVariable("PODWIRE_CNI_BIN") is { Length: > 0 } env)
            return File.Exists(env) ? System.IO.Path.GetFullPath(env) : throw new FileNotFoundException("PODWIRE_CNI_BIN not found", env);
        var candidates = new List<string>();
        var here = AppContext.BaseDirectory;
        candidates.Add(System.IO.Path.Combine(here, "podwire-cni"));
        // --artifacts-path layout: bin/Podwire.Cni.Tests/debug → bin/Podwire.Cni.Plugin/debug.
        var cfg = new DirectoryInfo(here).Name;
        candidates.Add(System.IO.Path.GetFullPath(System.IO.Path.Combine(here, "..", "..", "Podwire.Cni.Plugin", cfg, "podwire-cni")));
        foreach (var c in candidates)
            if (File.Exists(c) && File.Exists(System.IO.Path.ChangeExtension(c, ".dll"))) return c;
        throw new FileNotFoundException("podwire-cni apphost not found; looked in " + string.Join(", ", candidates));
    });
}

public static class ReferencePlugins
{
    private static readonly object Gate = new();

    /// <summary>Installs Debian's containernetworking-plugins when missing (CI machines start bare).</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (File.Exists("/usr/lib/cni/tuning")) return;
            ProcessRunner.Instance.Run("apt-get", ["install", "-y", "containernetworking-plugins", "iproute2"]);
        }
    }
}
