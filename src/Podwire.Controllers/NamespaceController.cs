using Podwire.Model;

namespace Podwire.Controllers;

/// <summary>
/// Every namespace that exists in a real cluster for this input: the declared ones, the ones
/// objects live in (kubectl apply would have failed otherwise, so the user meant them), and the
/// four the API server always creates. Why: namespaceSelectors match on the immutable
/// kubernetes.io/metadata.name label, so every namespace must carry it even if nobody wrote it.
/// </summary>
public static class NamespaceController
{
    public static readonly string[] SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public static IReadOnlyList<ClusterNamespace> Derive(ClusterModel model)
    {
        var declared = new Dictionary<string, ClusterNamespace>(StringComparer.Ordinal);
        foreach (var ns in model.Namespaces) declared.TryAdd(ns.Name, ns);

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in SystemNamespaces) names.Add(n);
        foreach (var ns in model.Namespaces) names.Add(ns.Name);
        foreach (var p in model.Pods) Add(names, p.Namespace);
        foreach (var w in model.Workloads) Add(names, w.Namespace);
        foreach (var s in model.Services) Add(names, s.Namespace);
        foreach (var s in model.EndpointSlices) Add(names, s.Namespace);
        foreach (var i in model.Ingresses) Add(names, i.Namespace);
        foreach (var p in model.NetworkPolicies) Add(names, p.Namespace);
        foreach (var a in model.ServiceAccounts) Add(names, a.Namespace);
        foreach (var s in model.Secrets) Add(names, s.Namespace);
        foreach (var o in model.Other) Add(names, o.Namespace);

        var sorted = names.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        var result = new ClusterNamespace[sorted.Length];
        for (int i = 0; i < sorted.Length; i++)
        {
            string name = sorted[i];
            result[i] = declared.TryGetValue(name, out var ns)
                ? WithNameLabel(ns)
                : new ClusterNamespace(name, Labels.Of((ClusterNamespace.NameLabel, name)), Labels.Empty, SourceLocation.Generated);
        }
        return result;
    }

    private static void Add(HashSet<string> names, string? ns)
    {
        if (!string.IsNullOrEmpty(ns)) names.Add(ns);
    }

    // The API server overwrites the label on every write, so a user-supplied different value cannot survive.
    private static ClusterNamespace WithNameLabel(ClusterNamespace ns) =>
        ns.Labels.Get(ClusterNamespace.NameLabel) == ns.Name
            ? ns
            : ns with { Labels = ns.Labels.With(ClusterNamespace.NameLabel, ns.Name) };
}
