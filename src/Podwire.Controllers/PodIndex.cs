using Podwire.Model;

namespace Podwire.Controllers;

/// <summary>
/// Pods by namespace and by (label key, value) within a namespace. Why: with 10,000 Services
/// and 50,000 pods, scanning every pod per Service is 5·10⁸ label checks; intersecting from the
/// smallest posting list touches only the pods that can match. Lists keep the input order,
/// so results come out in (namespace, name) order when the input is sorted that way.
/// </summary>
public sealed class PodIndex
{
    private sealed class NamespacePods
    {
        public readonly List<Pod> All = [];
        public readonly Dictionary<(string Key, string Value), List<Pod>> ByLabel = [];
    }

    private readonly Dictionary<string, NamespacePods> _byNamespace = new(StringComparer.Ordinal);

    public PodIndex(IEnumerable<Pod> pods)
    {
        foreach (var p in pods)
        {
            if (!_byNamespace.TryGetValue(p.Namespace, out var ns)) _byNamespace[p.Namespace] = ns = new NamespacePods();
            ns.All.Add(p);
            foreach (var l in p.Labels.AsSpan())
            {
                if (!ns.ByLabel.TryGetValue((l.Key, l.Value), out var list)) ns.ByLabel[(l.Key, l.Value)] = list = [];
                list.Add(p);
            }
        }
    }

    /// <summary>Pods of <paramref name="ns"/> carrying every label in <paramref name="selector"/>; the empty map selects all.</summary>
    public IReadOnlyList<Pod> Select(string ns, Labels selector)
    {
        if (!_byNamespace.TryGetValue(ns, out var pods)) return [];
        if (selector.Count == 0) return pods.All;
        List<Pod>? smallest = null;
        foreach (var l in selector.AsSpan())
        {
            if (!pods.ByLabel.TryGetValue((l.Key, l.Value), out var list)) return [];
            if (smallest is null || list.Count < smallest.Count) smallest = list;
        }
        if (selector.Count == 1) return smallest!;
        var result = new List<Pod>(smallest!.Count);
        foreach (var p in smallest)
            if (HasAll(p.Labels, selector)) result.Add(p);
        return result;
    }

    private static bool HasAll(Labels labels, Labels required)
    {
        foreach (var l in required.AsSpan())
            if (!labels.TryGetValue(l.Key, out var v) || v != l.Value) return false;
        return true;
    }
}
