using System.Text.Json.Nodes;

namespace Podwire.Cni.Runtime;

/// <summary>
/// A network configuration list (.conflist) as a runtime loads it. <see cref="CniVersion"/> is the
/// version the runtime will speak: the highest of <c>cniVersions</c> it supports, else <c>cniVersion</c>.
/// A single-plugin .conf loads as a list of one.
/// </summary>
public sealed record ConfList(string CniVersion, string Name, bool DisableCheck, IReadOnlyList<JsonObject> Plugins)
{
    public static ConfList? Parse(string json, out CniError? error)
    {
        var raw = Json.ParseObject(json, out var problem);
        if (raw is null)
        {
            error = new CniError(CniCodes.DecodeFailure, "failed to decode network configuration list", problem ?? "");
            return null;
        }
        return FromJson(raw, out error);
    }

    public static ConfList Parse(string json) =>
        Parse(json, out var error) ?? throw new FormatException(error!.ToString());

    public static ConfList? FromJson(JsonObject raw, out CniError? error)
    {
        error = null;
        var name = Json.Str(raw, "name");
        if (string.IsNullOrEmpty(name) || !Names.IsValidIdentifier(name))
        {
            error = new CniError(CniCodes.InvalidConfig, $"invalid network name \"{name}\"");
            return null;
        }
        string? version = null;
        if (raw["cniVersions"] is JsonArray versions) version = CniVersions.Highest(CniDns.Strings(versions));
        version ??= Json.Str(raw, "cniVersion");
        if (version is null || !CniVersions.IsSupported(version))
        {
            error = new CniError(CniCodes.IncompatibleVersion, $"no supported CNI version in the configuration (\"{version}\")");
            return null;
        }
        var disableCheck = raw["disableCheck"] is JsonValue dc && dc.TryGetValue<bool>(out var b) && b;

        var plugins = new List<JsonObject>();
        if (raw["plugins"] is JsonArray list)
        {
            foreach (var p in list)
            {
                if (p is not JsonObject po || string.IsNullOrEmpty(Json.Str(po, "type")))
                {
                    error = new CniError(CniCodes.InvalidConfig, "every plugin needs a \"type\"");
                    return null;
                }
                plugins.Add((JsonObject)po.DeepClone());
            }
        }
        else if (!string.IsNullOrEmpty(Json.Str(raw, "type")))
        {
            // A plain .conf: the whole object is the one plugin.
            var single = (JsonObject)raw.DeepClone();
            single.Remove("cniVersion");
            single.Remove("cniVersions");
            single.Remove("name");
            plugins.Add(single);
        }
        if (plugins.Count == 0)
        {
            error = new CniError(CniCodes.InvalidConfig, "the configuration lists no plugins");
            return null;
        }
        return new ConfList(version, name, disableCheck, plugins);
    }

    public string Type(int i) => Json.Str(Plugins[i], "type")!;
}
