using System.Text.Json.Nodes;

namespace Podwire.Cni;

/// <summary>What one plugin operation produced: a result object (or nothing, e.g. DEL) or an error.</summary>
public sealed record PluginOutput(JsonObject? Result, CniError? Error, string CniVersion = CniVersions.Current)
{
    public bool Ok => Error is null;

    public static PluginOutput Success(JsonObject? result) => new(result, null);

    public static PluginOutput Fail(CniError error, string cniVersion = CniVersions.Current) => new(null, error, cniVersion);

    /// <summary>What the plugin prints on stdout and its exit code.</summary>
    public (string Stdout, int ExitCode) Render() =>
        Error is not null ? (Json.Serialize(Error.ToJson(CniVersion)), 1)
        : Result is not null ? (Json.Serialize(Result), 0)
        : ("", 0);
}

public static class VersionInfo
{
    public static JsonObject Json(string cniVersion) => new()
    {
        ["cniVersion"] = cniVersion,
        ["supportedVersions"] = CniDns.Array(CniVersions.Supported),
    };
}
