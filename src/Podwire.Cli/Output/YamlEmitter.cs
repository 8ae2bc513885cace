using System.Text;
using System.Text.Json;

namespace Podwire.Cli.Output;

/// <summary>
/// Writes JSON as block-style YAML (what <c>kubectl get -o yaml</c> prints). KubernetesClient's
/// YAML serializer is reflection-based and not usable under NativeAOT, and JSON→YAML is small.
/// </summary>
public static class YamlEmitter
{
    public static string FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var sb = new StringBuilder();
        WriteValue(sb, doc.RootElement, 0, inSequence: false, afterKey: false);
        return sb.ToString();
    }

    private static void WriteValue(StringBuilder sb, JsonElement e, int indent, bool inSequence, bool afterKey)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                if (!e.EnumerateObject().Any()) { sb.Append(afterKey ? " {}\n" : "{}\n"); return; }
                if (afterKey) sb.Append('\n');
                bool first = true;
                foreach (var p in e.EnumerateObject())
                {
                    if (!(first && inSequence)) sb.Append(' ', indent);
                    first = false;
                    sb.Append(Scalar(p.Name)).Append(':');
                    WriteValue(sb, p.Value, indent + 2, inSequence: false, afterKey: true);
                }
                return;
            case JsonValueKind.Array:
                if (e.GetArrayLength() == 0) { sb.Append(afterKey ? " []\n" : "[]\n"); return; }
                if (afterKey) sb.Append('\n');
                // kubectl indents sequence items at the parent key's level.
                int itemIndent = afterKey ? indent - 2 : indent;
                bool firstItem = true;
                foreach (var item in e.EnumerateArray())
                {
                    if (!(firstItem && inSequence)) sb.Append(' ', itemIndent);
                    firstItem = false;
                    sb.Append("- ");
                    WriteValue(sb, item, itemIndent + 2, inSequence: true, afterKey: false);
                }
                return;
            default:
                if (afterKey) sb.Append(' ');
                sb.Append(e.ValueKind switch
                {
                    JsonValueKind.String => Scalar(e.GetString()!),
                    JsonValueKind.Null => "null",
                    _ => e.GetRawText(),
                }).Append('\n');
                return;
        }
    }

    private static string Scalar(string s)
    {
        if (s.Length == 0) return "\"\"";
        bool needsQuote = s is "true" or "false" or "yes" or "no" or "on" or "off" or "null" or "~" or "y" or "n"
            || char.IsAsciiDigit(s[0]) && double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _)
            || "-?:,[]{}#&*!|>'\"%@`".Contains(s[0]) || s.Contains(": ") || s.Contains(" #") || s.EndsWith(':')
            || s != s.Trim() || s.Any(char.IsControl);
        if (!needsQuote) return s;
        return JsonSerializer.Serialize(s, CliJson.Default.String);
    }
}
