using Podwire.Model;

namespace Podwire.Controllers;

/// <summary>
/// What a control plane derives from the model: every node with its pod CIDR and address,
/// every pod (workload pods included) scheduled and addressed, every Service with its
/// ClusterIP/NodePorts/LoadBalancer address, and the EndpointSlices. Immutable.
/// Lists are sorted (namespace, name) so output is deterministic.
/// </summary>
public sealed record DerivedCluster(
    ClusterModel Input,
    IReadOnlyList<ClusterNamespace> Namespaces,
    IReadOnlyList<Node> Nodes,
    IReadOnlyList<Pod> Pods,
    IReadOnlyList<Service> Services,
    IReadOnlyList<EndpointSlice> EndpointSlices)
{
    public ClusterOptions Options => Input.Options;

    private Dictionary<string, Pod>? _podsByKey;
    private Dictionary<string, Service>? _servicesByKey;
    private Dictionary<string, List<EndpointSlice>>? _slicesByService;
    private Dictionary<string, ClusterNamespace>? _namespaces;

    public Pod? FindPod(string ns, string name) =>
        (_podsByKey ??= Pods.ToDictionary(p => p.Key, StringComparer.Ordinal)).GetValueOrDefault(ns + "/" + name);

    public Service? FindService(string ns, string name) =>
        (_servicesByKey ??= Services.ToDictionary(s => s.Key, StringComparer.Ordinal)).GetValueOrDefault(ns + "/" + name);

    public ClusterNamespace? FindNamespace(string name) =>
        (_namespaces ??= Namespaces.ToDictionary(n => n.Name, StringComparer.Ordinal)).GetValueOrDefault(name);

    /// <summary>The slices labelled kubernetes.io/service-name for this Service, controller-made or user-made.</summary>
    public IReadOnlyList<EndpointSlice> SlicesFor(string ns, string serviceName)
    {
        _slicesByService ??= BuildSliceIndex();
        return _slicesByService.TryGetValue(ns + "/" + serviceName, out var list) ? list : [];
    }

    private Dictionary<string, List<EndpointSlice>> BuildSliceIndex()
    {
        var d = new Dictionary<string, List<EndpointSlice>>(StringComparer.Ordinal);
        foreach (var s in EndpointSlices)
        {
            if (s.ServiceName is null) continue;
            var key = s.Namespace + "/" + s.ServiceName;
            if (!d.TryGetValue(key, out var list)) d[key] = list = [];
            list.Add(s);
        }
        return d;
    }
}
