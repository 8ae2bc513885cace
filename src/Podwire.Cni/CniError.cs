using System.Text.Json.Nodes;

namespace Podwire.Cni;

/// <summary>The error codes of CNI spec 1.1 (0–99 reserved) and the few this plugin adds (100+).</summary>
public static class CniCodes
{
    public const int IncompatibleVersion = 1;
    public const int UnsupportedField = 2;
    public const int UnknownContainer = 3;
    public const int InvalidEnvironment = 4;
    public const int IoFailure = 5;
    public const int DecodeFailure = 6;
    public const int InvalidConfig = 7;
    public const int TryAgainLater = 11;
    public const int Unavailable = 50;
    public const int UnavailableDegraded = 51;

    /// <summary>podwire-ipam: every address of the range is allocated.</summary>
    public const int NoFreeAddress = 100;
    /// <summary>podwire-ipam: a requested address is outside the range or held by another attachment.</summary>
    public const int AddressUnavailable = 101;
    /// <summary>CHECK found state listed in prevResult (or tracked by the plugin) missing or different.</summary>
    public const int CheckFailed = 102;
}

/// <summary>A CNI error as the spec puts it on stdout: code, message, details.</summary>
public sealed record CniError(int Code, string Msg, string Details = "")
{
    public JsonObject ToJson(string cniVersion) => new()
    {
        ["cniVersion"] = cniVersion,
        ["code"] = Code,
        ["msg"] = Msg,
        ["details"] = Details,
    };

    /// <summary>Reads an error a plugin printed; null when the text is not a CNI error object.</summary>
    public static CniError? TryParse(string stdout)
    {
        var obj = Json.TryParseObject(stdout);
        if (obj is null || obj["code"] is not JsonValue code || !code.TryGetValue<int>(out var c)) return null;
        return new CniError(c, Json.Str(obj, "msg") ?? "", Json.Str(obj, "details") ?? "");
    }

    public override string ToString() => Details.Length == 0 ? $"CNI error {Code}: {Msg}" : $"CNI error {Code}: {Msg} ({Details})";
}
