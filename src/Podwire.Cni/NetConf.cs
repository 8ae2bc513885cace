using System.Text.Json.Nodes;

namespace Podwire.Cni;

/// <summary>
/// A request config (plugin object + cniVersion + name) as podwire-cni reads it. <see cref="Raw"/>
/// is kept whole: delegated IPAM gets the full config, unknown keys included.
/// </summary>
public sealed record NetConf(
    string CniVersion,
    string Name,
    string Type,
    string Bridge,
    int? Mtu,
    bool HairpinMode,
    JsonObject? Ipam,
    CniDns Dns,
    JsonObject? PrevResult,
    JsonObject? RuntimeConfig,
    JsonObject? Args,
    JsonObject Raw)
{
    public const string DefaultBridge = "cni0";

    /// <summary>Decodes stdin; decode problems are code 6, bad values code 7, bad versions code 1.</summary>
    public static NetConf? Parse(string stdin, out CniError? error)
    {
        var raw = Json.ParseObject(stdin, out var problem);
        if (raw is null)
        {
            error = new CniError(CniCodes.DecodeFailure, "failed to decode network configuration", problem ?? "");
            return null;
        }
        var header = ParseHeader(raw, out error);
        if (header is null) return null;
        var (version, name, type) = header.Value;

        var bridge = raw["bridge"];
        if (bridge is not null && !Json.IsString(bridge)) return Fail(CniCodes.DecodeFailure, "\"bridge\" must be a string", out error);
        var bridgeName = Json.Str(raw, "bridge") ?? DefaultBridge;
        if (!Names.IsValidIfName(bridgeName)) return Fail(CniCodes.InvalidConfig, $"invalid bridge name \"{bridgeName}\"", out error);

        int? mtu = null;
        if (raw["mtu"] is JsonNode m)
        {
            if (m is not JsonValue mv || !mv.TryGetValue<int>(out var mi)) return Fail(CniCodes.DecodeFailure, "\"mtu\" must be an integer", out error);
            if (mi is < 68 or > 65535) return Fail(CniCodes.InvalidConfig, $"mtu {mi} out of range 68-65535", out error);
            mtu = mi;
        }
        if (!Bool(raw, "hairpinMode", out var hairpin, out error)) return null;
        if (!Bool(raw, "ipMasq", out var ipMasq, out error)) return null;
        if (ipMasq)
            return Fail(CniCodes.UnsupportedField, "unsupported config field ipMasq=true: masquerade is set up by the node (the lab), not by podwire-cni", out error);

        if (raw["ipam"] is JsonNode ipamNode && ipamNode is not JsonObject)
            return Fail(CniCodes.DecodeFailure, "\"ipam\" must be an object", out error);
        var ipam = raw["ipam"] as JsonObject;
        if (ipam is not null && string.IsNullOrEmpty(Json.Str(ipam, "type")))
            return Fail(CniCodes.InvalidConfig, "ipam.type is required", out error);

        foreach (var key in new[] { "prevResult", "runtimeConfig", "args", "dns" })
            if (raw[key] is JsonNode n && n is not JsonObject)
                return Fail(CniCodes.DecodeFailure, $"\"{key}\" must be an object", out error);

        error = null;
        return new NetConf(version, name, type, bridgeName, mtu, hairpin, ipam, CniDns.Parse(raw["dns"] as JsonObject),
            raw["prevResult"] as JsonObject, raw["runtimeConfig"] as JsonObject, raw["args"] as JsonObject, raw);
    }

    /// <summary>cniVersion, name and type: what every plugin (ours and IPAM) requires.</summary>
    public static (string Version, string Name, string Type)? ParseHeader(JsonObject raw, out CniError? error)
    {
        error = null;
        var versionNode = raw["cniVersion"];
        if (versionNode is not null && !Json.IsString(versionNode)) { Fail(CniCodes.DecodeFailure, "\"cniVersion\" must be a string", out error); return null; }
        var version = Json.Str(raw, "cniVersion");
        if (string.IsNullOrEmpty(version)) { Fail(CniCodes.InvalidConfig, "cniVersion is required", out error); return null; }
        if (!CniVersions.IsSupported(version))
        {
            error = new CniError(CniCodes.IncompatibleVersion, $"incompatible CNI version {version}",
                "plugin supports " + string.Join(", ", CniVersions.Supported));
            return null;
        }
        var name = Json.Str(raw, "name");
        if (string.IsNullOrEmpty(name) || !Names.IsValidIdentifier(name))
        {
            Fail(CniCodes.InvalidConfig, $"invalid network name \"{name}\": must start alphanumeric, then [A-Za-z0-9_.-]", out error);
            return null;
        }
        return (version, name, Json.Str(raw, "type") ?? "");
    }

    private static bool Bool(JsonObject raw, string key, out bool value, out CniError? error)
    {
        value = false;
        error = null;
        if (raw[key] is not JsonNode n) return true;
        if (n is JsonValue v && v.TryGetValue<bool>(out value)) return true;
        Fail(CniCodes.DecodeFailure, $"\"{key}\" must be a boolean", out error);
        return false;
    }

    private static NetConf? Fail(int code, string msg, out CniError? error)
    {
        error = new CniError(code, msg);
        return null;
    }
}
