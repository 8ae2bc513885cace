using System.Text.Json.Nodes;
using Podwire.Datapath;

namespace Podwire.Cni.Runtime;

/// <summary>One attachment of a network to a container: the key of every CNI operation.</summary>
public sealed record CniAttachment(string ContainerId, string IfName);

/// <summary>
/// The per-call parameters a runtime supplies. <see cref="RuntimeConfig"/> maps capability names
/// (portMappings, bandwidth, ips, mac…) to values; each plugin receives only the capabilities it
/// declares. <see cref="Args"/> is CNI_ARGS ("K=V;K2=V2").
/// </summary>
public sealed record CniInvocation(string ContainerId, string? Netns, string IfName, string? Args = null, JsonObject? RuntimeConfig = null);

/// <summary>How a runtime operation ended: the (final) result, or the error and the plugin that gave it.</summary>
public sealed record CniOutcome(JsonObject? Result, CniError? Error, string? FailedPlugin = null)
{
    public bool Ok => Error is null;
    public static readonly CniOutcome Success = new(null, null);
}

/// <summary>
/// A minimal container runtime's CNI half, as libcni does it: executes the plugins of a
/// <see cref="ConfList"/> with CNI_* variables and the request config on stdin; ADD in order
/// passing each result on as prevResult and caching the final one; DEL in reverse with the cached
/// result; CHECK with it (skipped under disableCheck); STATUS; GC with the valid attachments.
/// With <c>nodeNetns</c> set every plugin runs as <c>ip netns exec NODE PLUGIN</c>, which is how
/// the lab runs a node's plugins in that node's namespace.
/// </summary>
public sealed class CniRuntime
{
    private readonly IReadOnlyList<string> _pluginDirs;
    private readonly string _cacheDir;
    private readonly ICommandRunner _runner;
    private readonly string? _nodeNetns;

    public CniRuntime(IReadOnlyList<string> pluginDirs, string cacheDir, ICommandRunner? runner = null, string? nodeNetns = null)
    {
        _pluginDirs = pluginDirs;
        _cacheDir = cacheDir;
        _runner = runner ?? ProcessRunner.Instance;
        _nodeNetns = nodeNetns;
    }

    /// <summary>
    /// ADD through the chain. On failure the chain is torn down with DEL (as runtimes do after a
    /// failed ADD) and the ADD error is returned.
    /// </summary>
    public CniOutcome Add(ConfList list, CniInvocation inv)
    {
        JsonObject? prev = null;
        for (int i = 0; i < list.Plugins.Count; i++)
        {
            var r = Exec(list, i, "ADD", inv, prev, withRuntimeConfig: true);
            if (!r.Ok)
            {
                Del(list, inv);
                return r;
            }
            prev = r.Result ?? prev;
        }
        if (prev is not null) WriteCache(list, inv, prev);
        return new CniOutcome(prev, null);
    }

    /// <summary>DEL in reverse order with the cached result as prevResult; the cache goes once all succeed.</summary>
    public CniOutcome Del(ConfList list, CniInvocation inv)
    {
        var cached = CachedResult(list, inv.ContainerId, inv.IfName);
        for (int i = list.Plugins.Count - 1; i >= 0; i--)
        {
            var r = Exec(list, i, "DEL", inv, cached, withRuntimeConfig: true);
            if (!r.Ok) return r;
        }
        var path = CachePath(list, inv.ContainerId, inv.IfName);
        if (File.Exists(path)) File.Delete(path);
        return CniOutcome.Success;
    }

    public CniOutcome Check(ConfList list, CniInvocation inv)
    {
        if (list.DisableCheck) return CniOutcome.Success;
        var cached = CachedResult(list, inv.ContainerId, inv.IfName);
        if (cached is null) return new CniOutcome(null, new CniError(CniCodes.UnknownContainer, $"no cached result for {inv.ContainerId}/{inv.IfName} on {list.Name}"));
        for (int i = 0; i < list.Plugins.Count; i++)
        {
            var r = Exec(list, i, "CHECK", inv, cached, withRuntimeConfig: true);
            if (!r.Ok) return r;
        }
        return CniOutcome.Success;
    }

    public CniOutcome Status(ConfList list)
    {
        for (int i = 0; i < list.Plugins.Count; i++)
        {
            var r = Exec(list, i, "STATUS", null, null, withRuntimeConfig: false);
            if (!r.Ok) return r;
        }
        return CniOutcome.Success;
    }

    /// <summary>GC on every plugin (past errors; the first is returned), then drops cache entries of invalid attachments.</summary>
    public CniOutcome Gc(ConfList list, IEnumerable<CniAttachment> valid)
    {
        var validList = valid.ToList();
        var atts = new JsonArray();
        foreach (var a in validList) atts.Add((JsonNode)new JsonObject { ["containerID"] = a.ContainerId, ["ifname"] = a.IfName });
        CniOutcome? first = null;
        for (int i = 0; i < list.Plugins.Count; i++)
        {
            var r = Exec(list, i, "GC", null, null, withRuntimeConfig: false, extra: ("cni.dev/attachments", atts));
            if (!r.Ok) first ??= r;
        }
        var keep = new HashSet<CniAttachment>(validList);
        foreach (var a in CachedAttachments(list))
            if (!keep.Contains(a)) File.Delete(CachePath(list, a.ContainerId, a.IfName));
        return first ?? CniOutcome.Success;
    }

    /// <summary>VERSION of one plugin binary.</summary>
    public CniOutcome Version(string pluginType, string cniVersion = CniVersions.Current)
    {
        var binary = Ipam.IpamClient.FindPlugin(_pluginDirs, pluginType);
        if (binary is null) return NotFound(pluginType);
        return Invoke(pluginType, binary, "VERSION", null, Json.Serialize(new JsonObject { ["cniVersion"] = cniVersion }));
    }

    public JsonObject? CachedResult(ConfList list, string containerId, string ifName)
    {
        var path = CachePath(list, containerId, ifName);
        if (!File.Exists(path)) return null;
        var o = Json.TryParseObject(File.ReadAllText(path));
        return o?["result"] as JsonObject;
    }

    /// <summary>The attachments with a cached ADD result on this network (what a runtime would call valid).</summary>
    public IReadOnlyList<CniAttachment> CachedAttachments(ConfList list)
    {
        var r = new List<CniAttachment>();
        var dir = Path.Combine(_cacheDir, "results");
        if (!Directory.Exists(dir)) return r;
        foreach (var f in Directory.GetFiles(dir, list.Name + "-*").Order(StringComparer.Ordinal))
        {
            var o = Json.TryParseObject(File.ReadAllText(f));
            var id = Json.Str(o, "containerId");
            var ifn = Json.Str(o, "ifName");
            if (id is not null && ifn is not null && Json.Str(o, "networkName") == list.Name) r.Add(new CniAttachment(id, ifn));
        }
        return r;
    }

    /// <summary>The request config of plugin <paramref name="i"/>, built as SPECS 5 says.</summary>
    public static JsonObject RequestConfig(ConfList list, int i, JsonObject? prevResult, JsonObject? runtimeConfig, (string Key, JsonNode Value)? extra = null)
    {
        var conf = (JsonObject)list.Plugins[i].DeepClone();
        conf["cniVersion"] = list.CniVersion;
        conf["name"] = list.Name;
        var caps = conf["capabilities"] as JsonObject;
        conf.Remove("capabilities");
        if (caps is not null && runtimeConfig is not null)
        {
            var rc = new JsonObject();
            foreach (var (cap, enabled) in caps)
                if (enabled is JsonValue v && v.TryGetValue<bool>(out var on) && on && runtimeConfig[cap] is JsonNode val)
                    rc[cap] = val.DeepClone();
            if (rc.Count > 0) conf["runtimeConfig"] = rc;
        }
        if (prevResult is not null) conf["prevResult"] = prevResult.DeepClone();
        if (extra is { } e) conf[e.Key] = e.Value.DeepClone();
        return conf;
    }

    private CniOutcome Exec(ConfList list, int i, string command, CniInvocation? inv, JsonObject? prev, bool withRuntimeConfig, (string, JsonNode)? extra = null)
    {
        var type = list.Type(i);
        var binary = Ipam.IpamClient.FindPlugin(_pluginDirs, type);
        if (binary is null) return NotFound(type);
        var conf = RequestConfig(list, i, prev, withRuntimeConfig ? inv?.RuntimeConfig : null, extra);
        return Invoke(type, binary, command, inv, Json.Serialize(conf));
    }

    private CniOutcome Invoke(string type, string binary, string command, CniInvocation? inv, string stdin)
    {
        // Every variable is set, empty when unused, so nothing leaks in from our own environment.
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = inv?.ContainerId ?? "",
            ["CNI_NETNS"] = inv?.Netns ?? "",
            ["CNI_IFNAME"] = inv?.IfName ?? "",
            ["CNI_ARGS"] = inv?.Args ?? "",
            ["CNI_PATH"] = string.Join(':', _pluginDirs),
        };
        var r = _nodeNetns is null
            ? _runner.Run(binary, [], stdin, env)
            : _runner.Run("ip", ["netns", "exec", _nodeNetns, binary], stdin, env);
        if (r.ExitCode != 0)
        {
            var err = CniError.TryParse(r.Stdout)
                ?? new CniError(CniCodes.IoFailure, $"plugin {type} {command} exited {r.ExitCode}", (r.Stdout + " " + r.Stderr).Trim());
            return new CniOutcome(null, err, type);
        }
        if (command is not ("ADD" or "VERSION")) return CniOutcome.Success;
        var result = Json.TryParseObject(r.Stdout);
        return result is null
            ? new CniOutcome(null, new CniError(CniCodes.DecodeFailure, $"plugin {type} {command} printed no JSON object", r.Stdout), type)
            : new CniOutcome(result, null);
    }

    private static CniOutcome NotFound(string type) =>
        new(null, new CniError(CniCodes.InvalidConfig, $"plugin \"{type}\" not found on the plugin path"), type);

    private string CachePath(ConfList list, string containerId, string ifName) =>
        Path.Combine(_cacheDir, "results", $"{list.Name}-{containerId}-{ifName}");

    private void WriteCache(ConfList list, CniInvocation inv, JsonObject result)
    {
        var dir = Path.Combine(_cacheDir, "results");
        Directory.CreateDirectory(dir);
        var entry = new JsonObject
        {
            ["kind"] = "cniCacheV1",
            ["containerId"] = inv.ContainerId,
            ["ifName"] = inv.IfName,
            ["networkName"] = list.Name,
            ["netns"] = inv.Netns,
            ["result"] = result.DeepClone(),
        };
        var path = CachePath(list, inv.ContainerId, inv.IfName);
        File.WriteAllText(path + ".tmp", Json.Serialize(entry));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
