using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Podwire.Cni;

/// <summary>
/// Small JsonNode helpers. The plugin works on JsonNode trees rather than typed serialization so
/// unknown keys pass through untouched and nothing needs reflection (NativeAOT).
/// </summary>
public static class Json
{
    // Relaxed escaping: stdout is read by runtimes and people, and "\u0022" for every quote helps neither.
    private static readonly JsonWriterOptions Compact = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject? TryParseObject(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Parses an object or says why not (the message feeds a code-6 error).</summary>
    public static JsonObject? ParseObject(string text, out string? problem)
    {
        problem = null;
        try
        {
            if (JsonNode.Parse(text) is JsonObject o) return o;
            problem = "the configuration is not a JSON object";
        }
        catch (JsonException e)
        {
            problem = e.Message;
        }
        return null;
    }

    public static string? Str(JsonObject? o, string key) =>
        o?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The string elements of an array node (others skipped); empty for anything else.</summary>
    public static IReadOnlyList<string> Strings(JsonNode? n) => CniDns.Strings(n);

    public static bool IsString(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    public static string Serialize(JsonNode node)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Compact)) node.WriteTo(w);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>A deep copy: a JsonNode has one parent, so a node moved into another tree must be cloned.</summary>
    public static JsonNode? Clone(JsonNode? n) => n?.DeepClone();
}
