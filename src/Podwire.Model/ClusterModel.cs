namespace Podwire.Model;

/// <summary>
/// The validated, normalized input: every object the network needs, as the API server would
/// store it (defaults applied, nothing derived yet). Immutable; controllers derive from it.
/// </summary>
public sealed record ClusterModel(
    ClusterOptions Options,
    IReadOnlyList<ClusterNamespace> Namespaces,
    IReadOnlyList<Node> Nodes,
    IReadOnlyList<Pod> Pods,
    IReadOnlyList<Workload> Workloads,
    IReadOnlyList<Service> Services,
    IReadOnlyList<EndpointSlice> EndpointSlices,
    IReadOnlyList<Ingress> Ingresses,
    IReadOnlyList<IngressClass> IngressClasses,
    IReadOnlyList<NetworkPolicy> NetworkPolicies,
    IReadOnlyList<ServiceAccount> ServiceAccounts,
    IReadOnlyList<Secret> Secrets,
    IReadOnlyList<RawObject> Other)
{
    public static ClusterModel Empty(ClusterOptions options) =>
        new(options, [], [], [], [], [], [], [], [], [], [], [], []);
}
