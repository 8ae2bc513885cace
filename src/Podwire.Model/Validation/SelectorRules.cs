using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>Label maps and metav1.LabelSelector, as ValidateLabels / ValidateLabelSelector check them.</summary>
public static class SelectorRules
{
    /// <summary>Keys are qualified names, values label values; keys are visited in ordinal order for stable output.</summary>
    public static void CheckLabels(ProblemSink sink, string path, IDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0) return;
        foreach (var key in SortedKeys(labels))
        {
            NameRules.Report(sink, path, key, NameRules.QualifiedName(key));
            var value = labels[key] ?? "";
            NameRules.Report(sink, path, value, NameRules.LabelValue(value));
        }
    }

    public static void CheckSelector(ProblemSink sink, string path, V1LabelSelector? selector)
    {
        if (selector is null) return;
        var exprs = selector.MatchExpressions;
        if (exprs is not null)
        {
            for (int i = 0; i < exprs.Count; i++)
                CheckRequirement(sink, $"{path}.matchExpressions[{i}]", exprs[i]);
        }
        CheckLabels(sink, path + ".matchLabels", selector.MatchLabels);
    }

    private static void CheckRequirement(ProblemSink sink, string path, V1LabelSelectorRequirement? req)
    {
        if (req is null) { sink.Add(path, FieldErrors.Required); return; }
        int count = req.Values?.Count ?? 0;
        switch (req.OperatorProperty)
        {
            case "In" or "NotIn":
                if (count == 0) sink.Add(path + ".values", FieldErrors.RequiredWith("must be specified when `operator` is 'In' or 'NotIn'"));
                break;
            case "Exists" or "DoesNotExist":
                if (count > 0) sink.Add(path + ".values", FieldErrors.Forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                break;
            default:
                sink.Add(path + ".operator", FieldErrors.Invalid(req.OperatorProperty ?? "", "not a valid selector operator"));
                break;
        }
        var key = req.Key ?? "";
        NameRules.Report(sink, path + ".key", key, NameRules.QualifiedName(key));
        for (int i = 0; i < count; i++)
        {
            var v = req.Values![i] ?? "";
            NameRules.Report(sink, $"{path}.values[{i}]", v, NameRules.LabelValue(v));
        }
    }

    /// <summary>
    /// Whether <paramref name="selector"/> selects <paramref name="labels"/> (used for the workload
    /// template check). An unknown operator selects nothing; it is reported separately.
    /// </summary>
    public static bool Matches(V1LabelSelector selector, IDictionary<string, string>? labels)
    {
        if (selector.MatchLabels is not null)
        {
            foreach (var (k, v) in selector.MatchLabels)
                if (labels is null || !labels.TryGetValue(k, out var have) || have != v) return false;
        }
        if (selector.MatchExpressions is null) return true;
        foreach (var e in selector.MatchExpressions)
        {
            string? have = null;
            bool has = labels is not null && e.Key is not null && labels.TryGetValue(e.Key, out have);
            bool inValues = has && e.Values is not null && e.Values.Contains(have!);
            bool ok = e.OperatorProperty switch
            {
                "In" => inValues,
                "NotIn" => !inValues,
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    public static bool IsEmpty(V1LabelSelector selector) =>
        (selector.MatchLabels is null || selector.MatchLabels.Count == 0) &&
        (selector.MatchExpressions is null || selector.MatchExpressions.Count == 0);

    internal static string[] SortedKeys<TValue>(IDictionary<string, TValue> map)
    {
        var keys = new string[map.Count];
        map.Keys.CopyTo(keys, 0);
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }
}
