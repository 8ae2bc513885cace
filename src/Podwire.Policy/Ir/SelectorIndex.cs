using Podwire.Model;
using Podwire.Policy.Identity;

namespace Podwire.Policy.Ir;

/// <summary>
/// Turns label selectors into identity sets, and named ports into the identities that define
/// them. Works over identities, never pods, so its cost follows the number of distinct label sets.
/// </summary>
internal sealed class SelectorIndex
{
    private readonly IdentityTable _ids;
    private readonly Dictionary<string, List<SecurityIdentity>> _byNamespace = new(StringComparer.Ordinal);
    private readonly List<(string Name, Labels Labels)> _namespaces = [];
    // Policies repeat the same selectors thousands of times (one copy per namespace or per
    // policy), so results are cached by the selector's content and shared by reference: the
    // evaluator then turns each distinct set into pod positions once.
    private readonly Dictionary<string, List<string>> _nsSelectorCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IdentitySet> _setCache = new(StringComparer.Ordinal);
    private readonly Dictionary<(IdentitySet, IdentitySet), IdentitySet> _intersections = [];
    private Dictionary<string, List<(Protocol Protocol, int Port, IdentitySet Set)>>? _namedPorts;

    public SelectorIndex(IdentityTable ids)
    {
        _ids = ids;
        foreach (var id in ids.ById)
        {
            if (id is null) continue;
            if (!_byNamespace.TryGetValue(id.Namespace, out var list))
            {
                _byNamespace[id.Namespace] = list = [];
                _namespaces.Add((id.Namespace, id.NamespaceLabels));
            }
            list.Add(id);
        }
    }

    public int Capacity => _ids.Capacity;

    /// <summary>ipBlock peers by content, filled by the IR builder.</summary>
    public Dictionary<string, IrPeer> BlockPeers { get; } = new(StringComparer.Ordinal);

    public SecurityIdentity Identity(int id) => _ids.ById[id]!;

    public IReadOnlyList<SecurityIdentity> InNamespace(string ns) =>
        _byNamespace.TryGetValue(ns, out var l) ? l : [];

    /// <summary>Namespaces (that hold pods) whose labels match; cached because policies repeat selectors.</summary>
    public List<string> Namespaces(LabelSelector selector)
    {
        string key = SelectorKey.Of(selector);
        if (_nsSelectorCache.TryGetValue(key, out var hit)) return hit;
        var list = new List<string>();
        foreach (var (name, labels) in _namespaces) if (selector.Matches(labels)) list.Add(name);
        _nsSelectorCache[key] = list;
        return list;
    }

    /// <summary>Identities in namespace <paramref name="ns"/> whose pod labels match.</summary>
    public IdentitySet InNamespace(string ns, LabelSelector podSelector)
    {
        string key = "n\0" + ns + "\0" + SelectorKey.Of(podSelector);
        if (_setCache.TryGetValue(key, out var hit)) return hit;
        var b = new IdentitySet.Builder(Capacity);
        foreach (var id in InNamespace(ns)) if (podSelector.Matches(id.PodLabels)) b.Add(id.Id);
        return _setCache[key] = b.Build();
    }

    /// <summary>Identities in namespaces matching <paramref name="nsSelector"/> whose pod labels match <paramref name="podSelector"/> (null = any).</summary>
    public IdentitySet Across(LabelSelector nsSelector, LabelSelector? podSelector)
    {
        string key = "a\0" + SelectorKey.Of(nsSelector) + "\0" + (podSelector is null ? "-" : SelectorKey.Of(podSelector));
        if (_setCache.TryGetValue(key, out var hit)) return hit;
        var b = new IdentitySet.Builder(Capacity);
        foreach (var ns in Namespaces(nsSelector))
            foreach (var id in InNamespace(ns))
                if (podSelector is null || podSelector.Matches(id.PodLabels)) b.Add(id.Id);
        return _setCache[key] = b.Build();
    }

    /// <summary>a ∩ b, shared for repeated pairs of (shared) sets.</summary>
    public IdentitySet Intersect(IdentitySet a, IdentitySet b)
    {
        if (_intersections.TryGetValue((a, b), out var hit)) return hit;
        return _intersections[(a, b)] = a.Intersect(b);
    }

    /// <summary>For a port name: each (protocol, number) it resolves to, with the identities that resolve it so.</summary>
    public IReadOnlyList<(Protocol Protocol, int Port, IdentitySet Set)> NamedPort(string name)
    {
        _namedPorts ??= BuildNamedPorts();
        return _namedPorts.TryGetValue(name, out var l) ? l : [];
    }

    private Dictionary<string, List<(Protocol, int, IdentitySet)>> BuildNamedPorts()
    {
        var builders = new Dictionary<(string, Protocol, int), IdentitySet.Builder>();
        foreach (var id in _ids.ById)
        {
            if (id is null) continue;
            foreach (var p in id.NamedPorts)
            {
                var key = (p.Name, p.Protocol, p.Port);
                if (!builders.TryGetValue(key, out var b)) builders[key] = b = new IdentitySet.Builder(Capacity);
                b.Add(id.Id);
            }
        }
        var result = new Dictionary<string, List<(Protocol, int, IdentitySet)>>(StringComparer.Ordinal);
        foreach (var key in builders.Keys.OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2).ThenBy(k => k.Item3))
        {
            if (!result.TryGetValue(key.Item1, out var list)) result[key.Item1] = list = [];
            list.Add((key.Item2, key.Item3, builders[key].Build()));
        }
        return result;
    }
}
