using System.Text.Json.Nodes;
using Podwire.Cni.Ipam;
using Podwire.Cni.Plugin;
using Podwire.Datapath;

namespace Podwire.Cni;

/// <summary>
/// The plugin's entry, independent of the process: env lookup, stdin text and the name it was
/// invoked under in, stdout text and exit code out. The binary is both plugins: invoked as
/// <c>podwire-ipam</c> (argv[0], e.g. through the symlink the build puts next to it) it is the
/// IPAM plugin, under any other name it is podwire-cni.
/// </summary>
public static class CniMain
{
    public const string IpamName = PodwireIpam.TypeName;

    public static (string Stdout, int ExitCode) Run(string invokedAs, Func<string, string?> getEnv, string stdin, ICommandRunner? runner = null)
    {
        try
        {
            return RunCore(invokedAs, getEnv, stdin, runner ?? ProcessRunner.Instance).Render();
        }
        catch (Exception e)
        {
            // Never a stack trace on stdout: the runtime parses it.
            var err = new CniError(CniCodes.IoFailure, "podwire-cni internal error", e.GetType().Name + ": " + e.Message);
            return (Json.Serialize(err.ToJson(CniVersions.Current)), 1);
        }
    }

    private static PluginOutput RunCore(string invokedAs, Func<string, string?> getEnv, string stdin, ICommandRunner runner)
    {
        var env = CniEnv.Read(getEnv, out var envError);
        if (env is null) return PluginOutput.Fail(envError!, VersionOf(stdin));
        if (env.Command == "VERSION") return PluginOutput.Success(VersionInfo.Json(VersionOf(stdin)));

        if (IsIpam(invokedAs))
        {
            var raw = Json.ParseObject(stdin, out var problem);
            if (raw is null) return PluginOutput.Fail(new CniError(CniCodes.DecodeFailure, "failed to decode network configuration", problem ?? ""));
            return PodwireIpam.Execute(env, raw);
        }

        var conf = NetConf.Parse(stdin, out var confError);
        if (conf is null) return PluginOutput.Fail(confError!, VersionOf(stdin));
        return new BridgePlugin(runner).Execute(env, conf);
    }

    public static bool IsIpam(string invokedAs) => Path.GetFileName(invokedAs) == IpamName;

    /// <summary>The version to answer in: the config's own when it names a supported one.</summary>
    private static string VersionOf(string stdin)
    {
        var o = Json.TryParseObject(stdin);
        var v = o is null ? null : Json.Str(o, "cniVersion");
        return v is not null && CniVersions.IsSupported(v) ? v : CniVersions.Current;
    }

    /// <summary>argv[0] exactly as the caller passed it (/proc/self/cmdline), which survives symlinks.</summary>
    public static string InvokedAs()
    {
        try
        {
            var bytes = File.ReadAllBytes("/proc/self/cmdline");
            int nul = Array.IndexOf(bytes, (byte)0);
            var argv0 = System.Text.Encoding.UTF8.GetString(bytes, 0, nul < 0 ? bytes.Length : nul);
            // A framework-dependent build run as "dotnet podwire-cni.dll" has dotnet as argv[0].
            if (argv0.Length > 0 && Path.GetFileName(argv0) != "dotnet") return argv0;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return Environment.ProcessPath ?? "podwire-cni";
    }
}
