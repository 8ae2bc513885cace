using System.Collections;

namespace Podwire.Model;

/// <summary>
/// An immutable label (or annotation) map. Kept as a sorted array: objects carry few labels,
/// so binary search beats hashing and the set compares cheaply by value.
/// </summary>
public sealed class Labels : IReadOnlyDictionary<string, string>, IEquatable<Labels>
{
    public static readonly Labels Empty = new([]);
    private readonly KeyValuePair<string, string>[] _items;

    private Labels(KeyValuePair<string, string>[] sorted) => _items = sorted;

    public static Labels From(IEnumerable<KeyValuePair<string, string>>? pairs)
    {
        if (pairs is null) return Empty;
        var arr = pairs.ToArray();
        if (arr.Length == 0) return Empty;
        Array.Sort(arr, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new Labels(arr);
    }

    public static Labels Of(params (string Key, string Value)[] pairs) =>
        From(pairs.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));

    public Labels With(string key, string value)
    {
        var dict = this.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        dict[key] = value;
        return From(dict);
    }

    private int IndexOf(string key)
    {
        int lo = 0, hi = _items.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            int c = string.CompareOrdinal(_items[mid].Key, key);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    public string? Get(string key) { int i = IndexOf(key); return i < 0 ? null : _items[i].Value; }
    public string this[string key] => Get(key) ?? throw new KeyNotFoundException(key);
    public IEnumerable<string> Keys => _items.Select(p => p.Key);
    public IEnumerable<string> Values => _items.Select(p => p.Value);
    public int Count => _items.Length;
    public bool ContainsKey(string key) => IndexOf(key) >= 0;
    public bool TryGetValue(string key, out string value)
    {
        int i = IndexOf(key);
        value = i < 0 ? "" : _items[i].Value;
        return i >= 0;
    }
    public ReadOnlySpan<KeyValuePair<string, string>> AsSpan() => _items;
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(Labels? other) =>
        other is not null && _items.AsSpan().SequenceEqual(other._items);
    public override bool Equals(object? obj) => Equals(obj as Labels);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var p in _items) { h.Add(p.Key); h.Add(p.Value); }
        return h.ToHashCode();
    }

    /// <summary>kubectl's rendering: <c>a=b,c=d</c>, or <c>&lt;none&gt;</c>.</summary>
    public override string ToString() =>
        _items.Length == 0 ? "<none>" : string.Join(",", _items.Select(p => $"{p.Key}={p.Value}"));
}

public enum SelectorOperator { In, NotIn, Exists, DoesNotExist }

public sealed record SelectorRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(Labels labels)
    {
        bool has = labels.TryGetValue(Key, out var v);
        return Operator switch
        {
            SelectorOperator.In => has && Contains(v),
            SelectorOperator.NotIn => !has || !Contains(v),
            SelectorOperator.Exists => has,
            SelectorOperator.DoesNotExist => !has,
            _ => false,
        };
    }

    private bool Contains(string v)
    {
        for (int i = 0; i < Values.Count; i++) if (Values[i] == v) return true;
        return false;
    }

    public override string ToString() => Operator switch
    {
        SelectorOperator.In => $"{Key} in ({string.Join(",", Values)})",
        SelectorOperator.NotIn => $"{Key} notin ({string.Join(",", Values)})",
        SelectorOperator.Exists => Key,
        _ => "!" + Key,
    };
}

/// <summary>
/// A metav1.LabelSelector: matchLabels AND matchExpressions. The empty selector matches
/// everything; callers that need "nil selects nothing" (Service selectors) model that with null.
/// </summary>
public sealed record LabelSelector(Labels MatchLabels, IReadOnlyList<SelectorRequirement> MatchExpressions)
{
    public static readonly LabelSelector Everything = new(Labels.Empty, []);

    public bool IsEmpty => MatchLabels.Count == 0 && MatchExpressions.Count == 0;

    public static LabelSelector FromLabels(Labels labels) => new(labels, []);

    public bool Matches(Labels labels)
    {
        foreach (var p in MatchLabels.AsSpan())
            if (!labels.TryGetValue(p.Key, out var v) || v != p.Value) return false;
        for (int i = 0; i < MatchExpressions.Count; i++)
            if (!MatchExpressions[i].Matches(labels)) return false;
        return true;
    }

    /// <summary>kubectl's selector string: <c>app=web,tier in (a,b)</c>; empty selector is <c>&lt;none&gt;</c>.</summary>
    public override string ToString()
    {
        if (IsEmpty) return "<none>";
        var parts = MatchLabels.Select(p => $"{p.Key}={p.Value}").Concat(MatchExpressions.Select(e => e.ToString()));
        return string.Join(",", parts);
    }

    public bool Equals(LabelSelector? other) =>
        other is not null && MatchLabels.Equals(other.MatchLabels) && MatchExpressions.SequenceEqual(other.MatchExpressions);
    public override int GetHashCode() => HashCode.Combine(MatchLabels, MatchExpressions.Count);
}
