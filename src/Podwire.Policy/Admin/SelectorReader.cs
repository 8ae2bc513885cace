using System.Text.Json;
using Podwire.Model;

namespace Podwire.Policy.Admin;

/// <summary>Reads a metav1.LabelSelector from JSON, reporting malformed parts instead of throwing.</summary>
internal static class SelectorReader
{
    public static LabelSelector Read(JsonElement e, ProblemSink sink, string path)
    {
        if (e.ValueKind != JsonValueKind.Object) { sink.Add(path, "must be a label selector"); return LabelSelector.Everything; }
        var labels = new List<KeyValuePair<string, string>>();
        if (e.TryGetProperty("matchLabels", out var ml) && ml.ValueKind == JsonValueKind.Object)
            foreach (var p in ml.EnumerateObject())
                labels.Add(new(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.ToString()));
        var exprs = new List<SelectorRequirement>();
        if (e.TryGetProperty("matchExpressions", out var me) && me.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var x in me.EnumerateArray())
            {
                var xp = $"{path}.matchExpressions[{i++}]";
                string key = x.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() ?? "" : "";
                string op = x.TryGetProperty("operator", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() ?? "" : "";
                var values = new List<string>();
                if (x.TryGetProperty("values", out var vs) && vs.ValueKind == JsonValueKind.Array)
                    foreach (var v in vs.EnumerateArray()) values.Add(v.GetString() ?? "");
                SelectorOperator? parsed = op switch
                {
                    "In" => SelectorOperator.In,
                    "NotIn" => SelectorOperator.NotIn,
                    "Exists" => SelectorOperator.Exists,
                    "DoesNotExist" => SelectorOperator.DoesNotExist,
                    _ => null,
                };
                if (key.Length == 0) sink.Add(xp + ".key", "required");
                if (parsed is null) { sink.Add(xp + ".operator", $"unsupported value \"{op}\""); continue; }
                bool needsValues = parsed is SelectorOperator.In or SelectorOperator.NotIn;
                if (needsValues && values.Count == 0) sink.Add(xp + ".values", "must be non-empty for In and NotIn");
                if (!needsValues && values.Count > 0) sink.Add(xp + ".values", "must be empty for Exists and DoesNotExist");
                exprs.Add(new SelectorRequirement(key, parsed.Value, values));
            }
        }
        return new LabelSelector(Labels.From(labels), exprs);
    }
}
