using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Podwire.Datapath;

namespace Podwire.Lab.Cni;

/// <summary>One attachment as a container runtime names it.</summary>
public sealed record CniAttachment(string ContainerId, string Netns, string IfName, string? Args = null);

/// <summary>
/// Calls CNI plugins exactly as a container runtime does (CNI spec 1.1 §"Execution of network
/// configurations"): for ADD, each plugin of the conflist in order, with the network's
/// <c>cniVersion</c> and <c>name</c> added to the plugin object and the previous result as
/// <c>prevResult</c>; the final result is cached. DEL runs the list in reverse with the cached
/// result. Plugins are looked up on CNI_PATH and run inside <see cref="RunNetns"/> (the node).
/// </summary>
public sealed class CniRuntime(ICommandRunner runner, string cniPath, string cacheDir)
{
    /// <summary>The namespace plugins execute in (the lab's node), or null for the caller's own.</summary>
    public string? RunNetns { get; init; }

    public JsonNode Add(string confList, CniAttachment a)
    {
        var conf = JsonNode.Parse(confList)!.AsObject();
        JsonNode? prev = null;
        foreach (var plugin in Plugins(conf))
            prev = Invoke("ADD", conf, plugin, a, prev);
        Directory.CreateDirectory(cacheDir);
        File.WriteAllText(CacheFile(conf, a), prev?.ToJsonString() ?? "{}");
        return prev ?? new JsonObject();
    }

    public void Del(string confList, CniAttachment a)
    {
        var conf = JsonNode.Parse(confList)!.AsObject();
        var cache = CacheFile(conf, a);
        JsonNode? prev = File.Exists(cache) ? JsonNode.Parse(File.ReadAllText(cache)) : null;
        var errors = new List<string>();
        foreach (var plugin in Plugins(conf).Reverse())
        {
            try { Invoke("DEL", conf, plugin, a, prev); }
            catch (DatapathException e) { errors.Add(e.Message); }
        }
        if (File.Exists(cache)) File.Delete(cache);
        if (errors.Count > 0) throw new DatapathException(string.Join("; ", errors));
    }

    public void Check(string confList, CniAttachment a)
    {
        var conf = JsonNode.Parse(confList)!.AsObject();
        var cache = CacheFile(conf, a);
        if (!File.Exists(cache)) throw new DatapathException($"no cached result for {a.ContainerId}/{a.IfName}");
        var prev = JsonNode.Parse(File.ReadAllText(cache));
        foreach (var plugin in Plugins(conf)) Invoke("CHECK", conf, plugin, a, prev);
    }

    private static IEnumerable<JsonObject> Plugins(JsonObject conf) =>
        conf["plugins"] is JsonArray list ? list.Select(p => p!.AsObject()) : [conf];

    private string CacheFile(JsonObject conf, CniAttachment a) =>
        Path.Combine(cacheDir, $"{conf["name"]?.GetValue<string>()}-{a.ContainerId}-{a.IfName}.json");

    private JsonNode? Invoke(string command, JsonObject conf, JsonObject plugin, CniAttachment a, JsonNode? prev)
    {
        var request = (JsonObject)plugin.DeepClone();
        request.Remove("capabilities");
        request["cniVersion"] = conf["cniVersion"]?.DeepClone();
        request["name"] = conf["name"]?.DeepClone();
        if (prev is not null) request["prevResult"] = prev.DeepClone();
        var type = plugin["type"]?.GetValue<string>() ?? throw new DatapathException("plugin without type");
        var binary = Find(type) ?? throw new DatapathException($"CNI plugin \"{type}\" not found on CNI_PATH {cniPath}");
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = a.ContainerId,
            ["CNI_NETNS"] = Netns.PathOf(a.Netns),
            ["CNI_IFNAME"] = a.IfName,
            ["CNI_PATH"] = cniPath,
        };
        if (a.Args is not null) env["CNI_ARGS"] = a.Args;
        var args = RunNetns is null ? new List<string>() : ["netns", "exec", RunNetns];
        var program = RunNetns is null ? binary : "ip";
        if (RunNetns is not null) args.Add(binary);
        var r = runner.Run(program, args, request.ToJsonString(), env);
        if (!r.Ok)
        {
            string msg = r.Stdout.Trim();
            try
            {
                var err = JsonNode.Parse(msg);
                msg = $"code {err?["code"]}: {err?["msg"]}{(err?["details"] is { } d ? " (" + d + ")" : "")}";
            }
            catch (JsonException) { msg = (msg + " " + r.Stderr).Trim(); }
            throw new DatapathException($"CNI {command} {type} for {a.ContainerId}: {msg}");
        }
        if (command != "ADD") return prev;
        return string.IsNullOrWhiteSpace(r.Stdout) ? prev : JsonNode.Parse(r.Stdout);
    }

    private string? Find(string type)
    {
        foreach (var dir in cniPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = Path.Combine(dir, type);
            if (File.Exists(f)) return f;
        }
        return null;
    }
}

/// <summary>The lab's use of the runtime: each pod attached on its node with its analysed IP.</summary>
public sealed class CniAttacher(ICommandRunner runner, LabPaths paths, string cniPath) : IPodAttacher
{
    private CniRuntime For(Topology.NodePlan node) => new(runner, cniPath, paths.CniCache) { RunNetns = node.Netns };

    public void Attach(Topology.LabPlan plan, Topology.NodePlan node, Topology.PodPlan pod) =>
        For(node).Add(File.ReadAllText(paths.ConfList(node.Name)), Attachment(pod));

    public void Detach(Topology.LabPlan plan, Topology.NodePlan node, Topology.PodPlan pod) =>
        For(node).Del(File.ReadAllText(paths.ConfList(node.Name)), Attachment(pod));

    // IP= in CNI_ARGS is how host-local (and podwire-ipam) take a requested address: the lab keeps
    // the addresses the analyzer derived, so both sides talk about the same pods.
    private static CniAttachment Attachment(Topology.PodPlan pod) =>
        new(pod.ContainerId, pod.Netns, Topology.LabNames.PodInterface,
            $"IgnoreUnknown=1;IP={pod.IP};K8S_POD_NAMESPACE={pod.Namespace};K8S_POD_NAME={pod.Name}");
}
