using Podwire.Model;

namespace Podwire.Semantics.Services;

/// <summary>
/// One backend address of a Service port. <see cref="Pod"/> is "ns/name" when the endpoint
/// names a pod. <see cref="Zone"/> and <see cref="ZoneHints"/> feed topology-aware routing.
/// </summary>
public sealed record ResolvedEndpoint(
    string Ip,
    int Port,
    bool Ready,
    bool Serving,
    bool Terminating,
    string? Pod,
    string? Node,
    string? Zone = null,
    IReadOnlyList<string>? ZoneHints = null);

/// <summary>
/// A Service port and its endpoints as the EndpointSlices give them. <see cref="ClusterIP"/> is
/// the primary ClusterIP, "None" for a headless Service, null for ExternalName.
/// <see cref="Port"/> is null when the Service has no such port.
/// </summary>
public sealed record ServiceResolution(
    Service Service,
    ServicePort? Port,
    string? ClusterIP,
    IReadOnlyList<ResolvedEndpoint> Endpoints,
    string Explanation);

/// <summary>The endpoints kube-proxy would send one connection's traffic to, and why.</summary>
public sealed record EndpointPick(
    IReadOnlyList<ResolvedEndpoint> Endpoints,
    bool UsedTopology,
    bool UsedTerminating,
    string Explanation)
{
    /// <summary>True when traffic is dropped/rejected: nothing to send to.</summary>
    public bool Empty => Endpoints.Count == 0;
}
