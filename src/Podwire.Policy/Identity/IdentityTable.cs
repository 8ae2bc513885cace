using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Policy.Identity;

/// <summary>
/// Allocates identities for a cluster's pods, apart from any policy: the same pods give the
/// same numbers whatever policies exist. Allocation follows the cluster's pod order, so it is
/// deterministic. Ids 1 and 2 are reserved, as in Cilium: <see cref="Host"/> for node
/// addresses (hostNetwork pods included) and <see cref="World"/> for everything outside.
/// </summary>
public sealed class IdentityTable
{
    public const int Host = 1;
    public const int World = 2;
    public const int FirstPodIdentity = 3;

    private readonly List<SecurityIdentity?> _byId;
    private readonly int[] _podIdentity;
    private readonly Dictionary<Pod, int> _podIndex;

    /// <summary>Identities by id; entries 0–2 are null (unused and reserved).</summary>
    public IReadOnlyList<SecurityIdentity?> ById => _byId;
    /// <summary>Highest id + 1: the bit count of an identity set.</summary>
    public int Capacity => _byId.Count;
    /// <summary>The cluster's pods, in the order the table was built from.</summary>
    public IReadOnlyList<Pod> Pods { get; }

    private IdentityTable(List<SecurityIdentity?> byId, int[] podIdentity, IReadOnlyList<Pod> pods, Dictionary<Pod, int> podIndex)
    {
        _byId = byId;
        _podIdentity = podIdentity;
        Pods = pods;
        _podIndex = podIndex;
    }

    public int IdentityOfPodAt(int podIndex) => _podIdentity[podIndex];

    /// <summary>The index of <paramref name="pod"/> in <see cref="Pods"/>, or -1 when it is not one of them.</summary>
    public int IndexOf(Pod pod) => _podIndex.TryGetValue(pod, out int i) ? i : -1;

    public static IdentityTable Build(DerivedCluster cluster)
    {
        var byId = new List<SecurityIdentity?> { null, null, null };
        // Per namespace, so a pod's key hashes only its own labels and named ports.
        var byNamespace = new Dictionary<string, (Labels Labels, Dictionary<(Labels, string), int> Ids)>(StringComparer.Ordinal);
        var pods = cluster.Pods;
        var ids = new int[pods.Count];
        var index = new Dictionary<Pod, int>(pods.Count, ReferenceEqualityComparer.Instance);
        for (int i = 0; i < pods.Count; i++)
        {
            var pod = pods[i];
            index.TryAdd(pod, i);
            if (pod.HostNetwork) { ids[i] = Host; continue; }
            if (!byNamespace.TryGetValue(pod.Namespace, out var nsEntry))
                byNamespace[pod.Namespace] = nsEntry = (NamespaceLabels(cluster, pod.Namespace), []);
            var nl = nsEntry.Labels;
            var named = NamedPorts(pod);
            var key = (pod.Labels, PortsKey(named));
            if (!nsEntry.Ids.TryGetValue(key, out int id))
            {
                id = byId.Count;
                nsEntry.Ids[key] = id;
                byId.Add(new SecurityIdentity(id, pod.Namespace, nl, pod.Labels, named));
            }
            ids[i] = id;
        }
        return new IdentityTable(byId, ids, pods, index);
    }

    /// <summary>A namespace's labels, with the immutable name label the API server always sets.</summary>
    public static Labels NamespaceLabels(DerivedCluster cluster, string ns)
    {
        var labels = cluster.FindNamespace(ns)?.Labels ?? Labels.Empty;
        return labels.Get(ClusterNamespace.NameLabel) == ns ? labels : labels.With(ClusterNamespace.NameLabel, ns);
    }

    private static NamedPort[] NamedPorts(Pod pod)
    {
        var list = new List<NamedPort>();
        foreach (var p in pod.Ports)
            if (p.Name is { Length: > 0 } n) list.Add(new NamedPort(n, p.Protocol, p.Port));
        if (list.Count == 0) return [];
        list.Sort(static (a, b) =>
        {
            int c = string.CompareOrdinal(a.Name, b.Name);
            if (c != 0) return c;
            c = a.Protocol.CompareTo(b.Protocol);
            return c != 0 ? c : a.Port.CompareTo(b.Port);
        });
        int kept = 1;
        for (int i = 1; i < list.Count; i++)
            if (list[i] != list[kept - 1]) list[kept++] = list[i];
        return list.GetRange(0, kept).ToArray();
    }

    private static string PortsKey(NamedPort[] ports)
    {
        if (ports.Length == 0) return "";
        var sb = new System.Text.StringBuilder();
        foreach (var p in ports) sb.Append(p.Name).Append('/').Append((int)p.Protocol).Append('=').Append(p.Port).Append(';');
        return sb.ToString();
    }
}
