using System.Net;
using Podwire.Model.Net;

namespace Podwire.Model;

// The normalized model: what the network needs of each Kubernetes object, with the API
// server's defaults applied. Every record keeps the location it was loaded from so later
// layers can name the file in messages. Optional fields stay null when the user left them
// out and no default exists; controllers fill in what a control plane would derive.

public enum Protocol { TCP, UDP, SCTP }

/// <summary>An IntOrString port reference: a number, or the name of a container port.</summary>
public readonly record struct PortRef(int Number, string? Name)
{
    public bool IsName => Name is not null;
    public static PortRef Of(int n) => new(n, null);
    public static PortRef Named(string name) => new(0, name);
    public override string ToString() => Name ?? Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record ClusterNamespace(string Name, Labels Labels, Labels Annotations, SourceLocation Location)
{
    public const string NameLabel = "kubernetes.io/metadata.name";
}

public sealed record Node(
    string Name,
    Labels Labels,
    string? PodCidr,
    IReadOnlyList<string> PodCidrs,
    string? InternalIP,
    bool Ready,
    SourceLocation Location)
{
    public string? Zone => Labels.Get("topology.kubernetes.io/zone");
}

public sealed record ContainerPort(string? Name, int Port, Protocol Protocol, string Container, int? HostPort);

public sealed record DnsConfig(IReadOnlyList<string> Nameservers, IReadOnlyList<string> Searches, IReadOnlyList<(string Name, string? Value)> Options);

/// <summary>Who created a pod: a workload controller (Deployment, StatefulSet…) or the user directly.</summary>
public sealed record OwnerRef(string Kind, string Name);

public sealed record Pod(
    string Namespace,
    string Name,
    Labels Labels,
    Labels Annotations,
    string? NodeName,
    string? PodIP,
    IReadOnlyList<string> PodIPs,
    bool HostNetwork,
    string? Hostname,
    string? Subdomain,
    string ServiceAccountName,
    string DnsPolicy,
    DnsConfig? DnsConfig,
    IReadOnlyList<ContainerPort> Ports,
    IReadOnlyList<string> ContainerNames,
    IReadOnlyList<string>? Command,
    bool Ready,
    bool Terminating,
    string Phase,
    OwnerRef? Owner,
    SourceLocation Location)
{
    public string Key => $"{Namespace}/{Name}";

    /// <summary>Resolve a named port against this pod's containers (the protocol must match too).</summary>
    public int? ResolvePort(string name, Protocol protocol)
    {
        foreach (var p in Ports)
            if (p.Name == name && p.Protocol == protocol) return p.Port;
        return null;
    }
}

public enum ServiceType { ClusterIP, NodePort, LoadBalancer, ExternalName }

public sealed record ServicePort(string? Name, Protocol Protocol, int Port, PortRef TargetPort, int? NodePort, string? AppProtocol);

public sealed record Service(
    string Namespace,
    string Name,
    Labels Labels,
    Labels Annotations,
    ServiceType Type,
    Labels? Selector,
    string? ClusterIP,
    IReadOnlyList<string> ClusterIPs,
    IReadOnlyList<ServicePort> Ports,
    string? ExternalName,
    IReadOnlyList<string> ExternalIPs,
    bool SessionAffinityClientIP,
    int SessionAffinityTimeoutSeconds,
    bool ExternalTrafficLocal,
    bool InternalTrafficLocal,
    int? HealthCheckNodePort,
    bool PublishNotReadyAddresses,
    string? LoadBalancerIP,
    string? LoadBalancerClass,
    bool AllocateLoadBalancerNodePorts,
    IReadOnlyList<string> LoadBalancerIngress,
    IReadOnlyList<string> IpFamilies,
    string? TrafficDistribution,
    SourceLocation Location)
{
    public const string None = "None";
    public string Key => $"{Namespace}/{Name}";
    public bool IsHeadless => ClusterIP == None;

    /// <summary>
    /// Who may reach the LoadBalancer addresses (CIDRs; empty: everyone): spec.loadBalancerSourceRanges,
    /// or the older annotation when the field is empty, as kube-proxy reads them. NodePorts are not covered.
    /// </summary>
    public IReadOnlyList<string> LoadBalancerSourceRanges { get; init; } = [];

    public const string SourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges";
}

public sealed record EndpointConditions(bool Ready, bool Serving, bool Terminating);

public sealed record Endpoint(
    IReadOnlyList<string> Addresses,
    EndpointConditions Conditions,
    string? Hostname,
    string? NodeName,
    string? Zone,
    string? PodName,
    IReadOnlyList<string> ZoneHints);

public sealed record EndpointPort(string? Name, Protocol Protocol, int? Port, string? AppProtocol);

public sealed record EndpointSlice(
    string Namespace,
    string Name,
    string? ServiceName,
    string AddressType,
    IReadOnlyList<EndpointPort> Ports,
    IReadOnlyList<Endpoint> Endpoints,
    string ManagedBy,
    Labels Labels,
    SourceLocation Location)
{
    public const string ControllerName = "endpointslice-controller.k8s.io";
    public const string MirroringControllerName = "endpointslicemirroring-controller.k8s.io";
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
}

public enum PathType { Exact, Prefix, ImplementationSpecific }

/// <summary>An Ingress backend: a Service port (number or name) or a typed resource reference.</summary>
public sealed record IngressBackend(string? ServiceName, PortRef? ServicePort, string? ResourceKind, string? ResourceName);

public sealed record IngressPath(string Path, PathType PathType, IngressBackend Backend);

public sealed record IngressRule(string? Host, IReadOnlyList<IngressPath> Paths);

public sealed record IngressTls(IReadOnlyList<string> Hosts, string? SecretName);

public sealed record Ingress(
    string Namespace,
    string Name,
    Labels Labels,
    Labels Annotations,
    string? ClassName,
    IngressBackend? DefaultBackend,
    IReadOnlyList<IngressRule> Rules,
    IReadOnlyList<IngressTls> Tls,
    SourceLocation Location)
{
    public const string ClassAnnotation = "kubernetes.io/ingress.class";
    public string Key => $"{Namespace}/{Name}";

    /// <summary>status.loadBalancer.ingress: the addresses the ingress controller published (a running lab's controller writes them back).</summary>
    public IReadOnlyList<string> LoadBalancerIngress { get; init; } = [];
}

public sealed record IngressClass(string Name, string Controller, bool IsDefault, SourceLocation Location)
{
    public const string DefaultAnnotation = "ingressclass.kubernetes.io/is-default-class";
}

public sealed record IpBlock(Cidr Cidr, IReadOnlyList<Cidr> Except);

/// <summary>One NetworkPolicy peer. Exactly one shape: pod/namespace selectors (either or both) or an ipBlock.</summary>
public sealed record PolicyPeer(LabelSelector? PodSelector, LabelSelector? NamespaceSelector, IpBlock? IpBlock);

/// <summary>A NetworkPolicyPort with protocol defaulted; a null Port means every port of the protocol.</summary>
public sealed record PolicyPort(Protocol Protocol, PortRef? Port, int? EndPort);

/// <summary>A rule: peers (null = any peer) and ports (empty = any port).</summary>
public sealed record PolicyRule(IReadOnlyList<PolicyPeer>? Peers, IReadOnlyList<PolicyPort> Ports);

public sealed record NetworkPolicy(
    string Namespace,
    string Name,
    LabelSelector PodSelector,
    bool AppliesToIngress,
    bool AppliesToEgress,
    IReadOnlyList<PolicyRule> Ingress,
    IReadOnlyList<PolicyRule> Egress,
    SourceLocation Location)
{
    public string Key => $"{Namespace}/{Name}";
}

public sealed record ServiceAccount(string Namespace, string Name, Labels Labels, bool AutomountToken, SourceLocation Location);

/// <summary>A Secret as far as the network needs it: TLS material for Ingress.</summary>
public sealed record Secret(string Namespace, string Name, string Type, IReadOnlyDictionary<string, byte[]> Data, SourceLocation Location);

public enum WorkloadKind { Deployment, ReplicaSet, StatefulSet, DaemonSet, Job }

/// <summary>A controller that creates pods from a template; the workload controller expands it.</summary>
public sealed record Workload(
    WorkloadKind Kind,
    string Namespace,
    string Name,
    int Replicas,
    string? ServiceName,
    Pod Template,
    SourceLocation Location);

/// <summary>An object kind we keep without a typed model yet (AdminNetworkPolicy…): its JSON text.</summary>
public sealed record RawObject(string ApiVersion, string Kind, string? Namespace, string Name, string Json, SourceLocation Location);
