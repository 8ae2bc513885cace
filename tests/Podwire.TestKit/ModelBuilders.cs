using Podwire.Model;

namespace Podwire.TestKit;

// Pod (21 parameters) and Service (24) are positional records: a test that builds one
// positionally is a row of nulls and falses nobody can read or review, and breaks on every new
// field. These builders name what a test sets and default the rest as the API server would
// (ClusterFirst, the default service account, ClusterIP, allocateLoadBalancerNodePorts true).

/// <summary>A <see cref="Model.Pod"/> with named, defaulted fields: <c>new PodBuilder("ns", "name").Labels(("app", "web")).Ip("10.0.0.1").Build()</c>.</summary>
public sealed class PodBuilder(string ns, string name)
{
    private Labels labels = Model.Labels.Empty, annotations = Model.Labels.Empty;
    private string? node, podIp, hostname, subdomain;
    private IReadOnlyList<string> podIps = [];
    private bool hostNetwork, ready = true, terminating;
    private string serviceAccount = "default", dnsPolicy = "ClusterFirst", phase = "Running";
    private DnsConfig? dnsConfig;
    private IReadOnlyList<ContainerPort> ports = [];
    private IReadOnlyList<string> containers = ["c"];
    private IReadOnlyList<string>? command;
    private OwnerRef? owner;
    private SourceLocation location = SourceLocation.Generated;

    public PodBuilder Labels(Labels value) { labels = value; return this; }
    public PodBuilder Labels(params (string Key, string Value)[] pairs) => Labels(Model.Labels.Of(pairs));
    public PodBuilder Annotations(Labels value) { annotations = value; return this; }
    public PodBuilder Node(string? value) { node = value; return this; }

    /// <summary>status.podIP, and podIPs as the API server fills it (that one address, or none).</summary>
    public PodBuilder Ip(string? value) { podIp = value; podIps = value is null ? [] : [value]; return this; }

    public PodBuilder HostNetwork(bool value = true) { hostNetwork = value; return this; }
    public PodBuilder Hostname(string? value) { hostname = value; return this; }
    public PodBuilder Subdomain(string? value) { subdomain = value; return this; }
    public PodBuilder ServiceAccount(string value) { serviceAccount = value; return this; }
    public PodBuilder DnsPolicy(string value) { dnsPolicy = value; return this; }
    public PodBuilder DnsConfig(DnsConfig? value) { dnsConfig = value; return this; }
    public PodBuilder Ports(IReadOnlyList<ContainerPort> value) { ports = value; return this; }
    public PodBuilder Containers(params string[] names) { containers = names; return this; }
    public PodBuilder Command(params string[]? value) { command = value; return this; }
    public PodBuilder Ready(bool value = true) { ready = value; return this; }
    public PodBuilder Terminating(bool value = true) { terminating = value; return this; }
    public PodBuilder Phase(string value) { phase = value; return this; }
    public PodBuilder Owner(OwnerRef? value) { owner = value; return this; }
    public PodBuilder At(SourceLocation value) { location = value; return this; }

    public Pod Build() =>
        new(ns, name, labels, annotations, node, podIp, podIps, hostNetwork, hostname, subdomain, serviceAccount, dnsPolicy,
            dnsConfig, ports, containers, command, ready, terminating, phase, owner, location);

    public static implicit operator Pod(PodBuilder b) => b.Build();
}

/// <summary>A <see cref="Model.Service"/> with named, defaulted fields: <c>new ServiceBuilder("ns", "web").Selector(("app", "web")).ClusterIp("10.96.0.10").Ports(…).Build()</c>.</summary>
public sealed class ServiceBuilder(string ns, string name)
{
    private Labels labels = Model.Labels.Empty, annotations = Model.Labels.Empty;
    private ServiceType type = ServiceType.ClusterIP;
    private Labels? selector;
    private string? clusterIp, externalName, loadBalancerIp, loadBalancerClass, trafficDistribution;
    private IReadOnlyList<string> clusterIps = [], externalIps = [], loadBalancerIngress = [], ipFamilies = [], sourceRanges = [];
    private IReadOnlyList<ServicePort> ports = [];
    private bool affinity, externalLocal, internalLocal, publishNotReady, allocateNodePorts = true;
    private int affinityTimeout;
    private int? healthCheckNodePort;
    private SourceLocation location = SourceLocation.Generated;

    public ServiceBuilder Labels(Labels value) { labels = value; return this; }
    public ServiceBuilder Annotations(Labels value) { annotations = value; return this; }
    public ServiceBuilder Type(ServiceType value) { type = value; return this; }
    public ServiceBuilder Selector(Labels? value) { selector = value; return this; }
    public ServiceBuilder Selector(params (string Key, string Value)[] pairs) => Selector(Model.Labels.Of(pairs));

    /// <summary>spec.clusterIP, and clusterIPs as the API server fills it (that one address, or none).</summary>
    public ServiceBuilder ClusterIp(string? value) { clusterIp = value; clusterIps = value is null ? [] : [value]; return this; }

    public ServiceBuilder Ports(IReadOnlyList<ServicePort> value) { ports = value; return this; }
    public ServiceBuilder ExternalName(string? value) { externalName = value; return this; }
    public ServiceBuilder ExternalIps(IReadOnlyList<string> value) { externalIps = value; return this; }

    /// <summary>sessionAffinity: ClientIP (or None) with its timeout in seconds.</summary>
    public ServiceBuilder SessionAffinity(bool clientIp, int timeoutSeconds) { affinity = clientIp; affinityTimeout = timeoutSeconds; return this; }

    public ServiceBuilder ExternalTrafficLocal(bool value = true) { externalLocal = value; return this; }
    public ServiceBuilder InternalTrafficLocal(bool value = true) { internalLocal = value; return this; }
    public ServiceBuilder HealthCheckNodePort(int? value) { healthCheckNodePort = value; return this; }
    public ServiceBuilder PublishNotReadyAddresses(bool value = true) { publishNotReady = value; return this; }
    public ServiceBuilder LoadBalancerIp(string? value) { loadBalancerIp = value; return this; }
    public ServiceBuilder LoadBalancerClass(string? value) { loadBalancerClass = value; return this; }
    public ServiceBuilder AllocateLoadBalancerNodePorts(bool value) { allocateNodePorts = value; return this; }
    public ServiceBuilder LoadBalancerIngress(params string[] value) { loadBalancerIngress = value; return this; }
    public ServiceBuilder IpFamilies(params string[] value) { ipFamilies = value; return this; }
    public ServiceBuilder TrafficDistribution(string? value) { trafficDistribution = value; return this; }
    public ServiceBuilder SourceRanges(IReadOnlyList<string> value) { sourceRanges = value; return this; }
    public ServiceBuilder At(SourceLocation value) { location = value; return this; }

    public Service Build() =>
        new(ns, name, labels, annotations, type, selector, clusterIp, clusterIps, ports, externalName, externalIps, affinity,
            affinityTimeout, externalLocal, internalLocal, healthCheckNodePort, publishNotReady, loadBalancerIp, loadBalancerClass,
            allocateNodePorts, loadBalancerIngress, ipFamilies, trafficDistribution, location)
        { LoadBalancerSourceRanges = sourceRanges };

    public static implicit operator Service(ServiceBuilder b) => b.Build();
}
