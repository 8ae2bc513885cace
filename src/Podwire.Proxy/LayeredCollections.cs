using System.Collections;

namespace Podwire.Proxy;

/// <summary>
/// An immutable string map made of a frozen base and a small overlay of changes (a null value
/// deletes). <see cref="With"/> shares the base and copies only the overlay, folding everything
/// into a new base once the overlay is an eighth of it. Why: a node's state holds 110k elements,
/// and copying them for every one-endpoint change costs more than the change (and feeds the GC
/// with large objects); the previous state must stay intact because the syncer diffs against it.
/// </summary>
public sealed class LayeredMap : IReadOnlyDictionary<string, string>
{
    private readonly Dictionary<string, string> _base;
    private readonly Dictionary<string, string?> _overlay;

    public int Count { get; }

    /// <summary>Takes ownership of <paramref name="contents"/>: the caller must not change it afterwards.</summary>
    public LayeredMap(Dictionary<string, string> contents)
        : this(contents, new Dictionary<string, string?>(StringComparer.Ordinal), contents.Count) { }

    private LayeredMap(Dictionary<string, string> b, Dictionary<string, string?> overlay, int count)
    {
        _base = b;
        _overlay = overlay;
        Count = count;
    }

    /// <summary>A map with <paramref name="changes"/> applied (null value = remove); this one is unchanged.</summary>
    public LayeredMap With(IReadOnlyDictionary<string, string?> changes)
    {
        if (changes.Count == 0) return this;
        var overlay = new Dictionary<string, string?>(_overlay, StringComparer.Ordinal);
        int count = Count;
        foreach (var (k, v) in changes)
        {
            bool had = ContainsKey(k);
            overlay[k] = v;
            count += (v is not null ? 1 : 0) - (had ? 1 : 0);
        }
        if (overlay.Count <= Math.Max(1024, _base.Count / 8)) return new LayeredMap(_base, overlay, count);
        var flat = new Dictionary<string, string>(_base, StringComparer.Ordinal);
        foreach (var (k, v) in overlay)
            if (v is null) flat.Remove(k);
            else flat[k] = v;
        return new LayeredMap(flat);
    }

    public bool TryGetValue(string key, out string value)
    {
        if (_overlay.TryGetValue(key, out var o))
        {
            value = o!;
            return o is not null;
        }
        return _base.TryGetValue(key, out value!);
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public string this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);

    public IEnumerable<string> Keys
    {
        get { foreach (var (k, _) in this) yield return k; }
    }

    public IEnumerable<string> Values
    {
        get { foreach (var (_, v) in this) yield return v; }
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        foreach (var (k, v) in _base)
            if (!_overlay.ContainsKey(k)) yield return new(k, v);
        foreach (var (k, v) in _overlay)
            if (v is not null) yield return new(k, v);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The set counterpart of <see cref="LayeredMap"/>.</summary>
public sealed class LayeredSet : IReadOnlySet<string>
{
    private readonly LayeredMap _map;

    private LayeredSet(LayeredMap map) => _map = map;

    /// <summary>Takes ownership of <paramref name="contents"/>.</summary>
    public LayeredSet(HashSet<string> contents)
    {
        var d = new Dictionary<string, string>(contents.Count, StringComparer.Ordinal);
        foreach (var k in contents) d[k] = k;
        _map = new LayeredMap(d);
    }

    /// <summary>A set with <paramref name="changes"/> applied (true = add, false = remove).</summary>
    public LayeredSet With(IReadOnlyDictionary<string, bool> changes)
    {
        if (changes.Count == 0) return this;
        var d = new Dictionary<string, string?>(changes.Count, StringComparer.Ordinal);
        foreach (var (k, add) in changes) d[k] = add ? k : null;
        return new LayeredSet(_map.With(d));
    }

    public int Count => _map.Count;
    public bool Contains(string item) => _map.ContainsKey(item);

    public IEnumerator<string> GetEnumerator()
    {
        foreach (var (k, _) in _map) yield return k;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool IsProperSubsetOf(IEnumerable<string> other) => Materialize().IsProperSubsetOf(other);
    public bool IsProperSupersetOf(IEnumerable<string> other) => Materialize().IsProperSupersetOf(other);
    public bool IsSubsetOf(IEnumerable<string> other) => Materialize().IsSubsetOf(other);
    public bool IsSupersetOf(IEnumerable<string> other) => Materialize().IsSupersetOf(other);
    public bool Overlaps(IEnumerable<string> other) => Materialize().Overlaps(other);
    public bool SetEquals(IEnumerable<string> other) => Materialize().SetEquals(other);

    private HashSet<string> Materialize() => new(this, StringComparer.Ordinal);
}
