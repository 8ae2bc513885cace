using System.Text;
using Podwire.Model;

namespace Podwire.Policy.Ir;

/// <summary>
/// A canonical string for a selector's content, to cache selector results by value (the
/// model's record equality compares requirement value lists by reference). Two keys are equal
/// only when the selectors are; requirement order and value order may differ for equal
/// selectors, which only costs a cache miss.
/// </summary>
internal static class SelectorKey
{
    public static string Of(LabelSelector s)
    {
        if (s.MatchExpressions.Count == 0 && s.MatchLabels.Count == 0) return "";
        var sb = new StringBuilder();
        foreach (var p in s.MatchLabels.AsSpan()) sb.Append(p.Key).Append('\u0001').Append(p.Value).Append('\u0002');
        foreach (var r in s.MatchExpressions)
        {
            sb.Append('\u0003').Append(r.Key).Append('\u0001').Append((int)r.Operator);
            foreach (var v in r.Values) sb.Append('\u0001').Append(v);
            sb.Append('\u0002');
        }
        return sb.ToString();
    }
}
