using System.Text.Json.Nodes;
using Podwire.Datapath;

namespace Podwire.Cni.Ipam;

/// <summary>
/// Runs the IPAM step of an operation: podwire-ipam in-process, any other <c>ipam.type</c> as a
/// delegate found on CNI_PATH, run with the same environment (CNI_COMMAND set to the step) and the
/// full config on stdin, as the spec requires.
/// </summary>
public sealed class IpamClient(ICommandRunner runner)
{
    public PluginOutput Run(string command, CniEnv env, JsonObject conf, string ipamType)
    {
        var stepEnv = env with { Command = command };
        if (ipamType == PodwireIpam.TypeName) return PodwireIpam.Execute(stepEnv, conf);

        var version = Json.Str(conf, "cniVersion") ?? CniVersions.Current;
        var binary = FindPlugin(env.Path, ipamType);
        if (binary is null)
            return PluginOutput.Fail(new CniError(CniCodes.InvalidConfig, $"failed to find plugin \"{ipamType}\" in path [{string.Join(",", env.Path)}]"), version);
        var vars = new Dictionary<string, string> { ["CNI_COMMAND"] = command };
        var r = runner.Run(binary, [], Json.Serialize(conf), vars);
        if (r.ExitCode != 0 && version == "1.1.0" && CniError.TryParse(r.Stdout)?.Code == CniCodes.IncompatibleVersion && DelegateSpeaks(binary, "1.0.0"))
        {
            // Plugins built against spec 1.0 (Debian's host-local among them) refuse "1.1.0", yet an
            // IPAM result is the same in both; ask in 1.0.0 and hand the result on as ours.
            var downgraded = (JsonObject)conf.DeepClone();
            downgraded["cniVersion"] = "1.0.0";
            r = runner.Run(binary, [], Json.Serialize(downgraded), vars);
        }
        if (r.ExitCode != 0)
        {
            var err = CniError.TryParse(r.Stdout) ?? new CniError(CniCodes.IoFailure, $"IPAM plugin {ipamType} failed with exit {r.ExitCode}", (r.Stdout + r.Stderr).Trim());
            return PluginOutput.Fail(err, version);
        }
        if (command != "ADD") return PluginOutput.Success(null);
        var result = Json.TryParseObject(r.Stdout);
        if (result is not null) result["cniVersion"] = version;
        return result is null
            ? PluginOutput.Fail(new CniError(CniCodes.DecodeFailure, $"IPAM plugin {ipamType} printed no result", r.Stdout), version)
            : PluginOutput.Success(result);
    }

    private bool DelegateSpeaks(string binary, string version)
    {
        var r = runner.Run(binary, [], "{\"cniVersion\":\"" + version + "\"}", new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" });
        var o = r.Ok ? Json.TryParseObject(r.Stdout) : null;
        return o is not null && CniDns.Strings(o["supportedVersions"]).Contains(version);
    }

    public static string? FindPlugin(IReadOnlyList<string> path, string type)
    {
        if (type.Contains('/')) return null;
        foreach (var dir in path)
        {
            var p = System.IO.Path.Combine(dir, type);
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
