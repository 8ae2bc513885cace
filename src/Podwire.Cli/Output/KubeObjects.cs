using k8s.Models;
using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Cli.Output;

/// <summary>
/// Renders derived records as Kubernetes API objects for <c>get -o json|yaml</c>, with what the
/// control plane filled in (pod IPs, nodeName, clusterIPs, nodePorts, slices) as a server would.
/// </summary>
public static class KubeObjects
{
    private static Dictionary<string, string>? Map(Labels l) => l.Count == 0 ? null : l.ToDictionary(p => p.Key, p => p.Value);

    private static V1ObjectMeta Meta(string? ns, string name, Labels labels, Labels? annotations = null) => new()
    {
        Name = name,
        NamespaceProperty = ns,
        Labels = Map(labels),
        Annotations = annotations is null ? null : Map(annotations),
    };

    private static string Proto(Protocol p) => p.ToString();

    public static V1Namespace Namespace(ClusterNamespace n) => new()
    {
        ApiVersion = "v1", Kind = "Namespace",
        Metadata = Meta(null, n.Name, n.Labels, n.Annotations),
        Status = new V1NamespaceStatus { Phase = "Active" },
    };

    public static V1Node Node(Node n) => new()
    {
        ApiVersion = "v1", Kind = "Node",
        Metadata = Meta(null, n.Name, n.Labels),
        Spec = new V1NodeSpec { PodCIDR = n.PodCidr, PodCIDRs = n.PodCidrs.Count > 0 ? n.PodCidrs.ToList() : null },
        Status = new V1NodeStatus
        {
            Addresses = n.InternalIP is null ? null : [new V1NodeAddress { Type = "InternalIP", Address = n.InternalIP }, new V1NodeAddress { Type = "Hostname", Address = n.Name }],
            Conditions = [new V1NodeCondition { Type = "Ready", Status = n.Ready ? "True" : "False" }],
        },
    };

    public static V1Pod Pod(Pod p)
    {
        var byContainer = p.ContainerNames.Select(c => new V1Container
        {
            Name = c,
            Ports = p.Ports.Where(x => x.Container == c).Select(x => new V1ContainerPort
            {
                Name = x.Name, ContainerPort = x.Port, Protocol = Proto(x.Protocol), HostPort = x.HostPort,
            }).ToList() is { Count: > 0 } ports ? ports : null,
        }).ToList();
        var annotations = p.Annotations;
        return new V1Pod
        {
            ApiVersion = "v1", Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = p.Name, NamespaceProperty = p.Namespace, Labels = Map(p.Labels), Annotations = Map(annotations),
                OwnerReferences = p.Owner is null ? null : [new V1OwnerReference { Kind = p.Owner.Kind, Name = p.Owner.Name, ApiVersion = p.Owner.Kind == "Job" ? "batch/v1" : "apps/v1", Uid = "", Controller = true }],
            },
            Spec = new V1PodSpec
            {
                Containers = byContainer,
                NodeName = p.NodeName,
                HostNetwork = p.HostNetwork ? true : null,
                Hostname = p.Hostname,
                Subdomain = p.Subdomain,
                ServiceAccountName = p.ServiceAccountName,
                DnsPolicy = p.DnsPolicy,
            },
            Status = new V1PodStatus
            {
                Phase = p.Phase,
                PodIP = p.PodIP,
                PodIPs = p.PodIPs.Count == 0 ? null : p.PodIPs.Select(i => new V1PodIP { Ip = i }).ToList(),
                Conditions = [new V1PodCondition { Type = "Ready", Status = p.Ready ? "True" : "False" }],
            },
        };
    }

    public static V1Service Service(Service s) => new()
    {
        ApiVersion = "v1", Kind = "Service",
        Metadata = Meta(s.Namespace, s.Name, s.Labels, s.Annotations),
        Spec = new V1ServiceSpec
        {
            Type = s.Type.ToString(),
            Selector = s.Selector is null ? null : Map(s.Selector),
            ClusterIP = s.ClusterIP,
            ClusterIPs = s.ClusterIPs.Count == 0 ? null : s.ClusterIPs.ToList(),
            ExternalName = s.ExternalName,
            ExternalIPs = s.ExternalIPs.Count == 0 ? null : s.ExternalIPs.ToList(),
            Ports = s.Ports.Count == 0 ? null : s.Ports.Select(p => new V1ServicePort
            {
                Name = p.Name, Protocol = Proto(p.Protocol), Port = p.Port, NodePort = p.NodePort, AppProtocol = p.AppProtocol,
                TargetPort = s.Type == ServiceType.ExternalName ? null : p.TargetPort.IsName ? (IntOrString)p.TargetPort.Name! : (IntOrString)p.TargetPort.Number,
            }).ToList(),
            SessionAffinity = s.Type == ServiceType.ExternalName ? null : s.SessionAffinityClientIP ? "ClientIP" : "None",
            SessionAffinityConfig = s.SessionAffinityClientIP ? new V1SessionAffinityConfig { ClientIP = new V1ClientIPConfig { TimeoutSeconds = s.SessionAffinityTimeoutSeconds } } : null,
            ExternalTrafficPolicy = s.Type is ServiceType.NodePort or ServiceType.LoadBalancer ? (s.ExternalTrafficLocal ? "Local" : "Cluster") : null,
            InternalTrafficPolicy = s.Type == ServiceType.ExternalName ? null : s.InternalTrafficLocal ? "Local" : "Cluster",
            HealthCheckNodePort = s.HealthCheckNodePort,
            PublishNotReadyAddresses = s.PublishNotReadyAddresses ? true : null,
            LoadBalancerIP = s.LoadBalancerIP,
            LoadBalancerClass = s.LoadBalancerClass,
            AllocateLoadBalancerNodePorts = s.Type == ServiceType.LoadBalancer ? s.AllocateLoadBalancerNodePorts : null,
            IpFamilies = s.IpFamilies.Count > 0 ? s.IpFamilies.ToList() : s.ClusterIPs.Count > 0 ? s.ClusterIPs.Select(i => i.Contains(':') ? "IPv6" : "IPv4").ToList() : null,
        },
        Status = new V1ServiceStatus
        {
            LoadBalancer = new V1LoadBalancerStatus
            {
                Ingress = s.LoadBalancerIngress.Count == 0 ? null : s.LoadBalancerIngress.Select(i => new V1LoadBalancerIngress { Ip = i, IpMode = "VIP" }).ToList(),
            },
        },
    };

    public static V1EndpointSlice Slice(EndpointSlice s) => new()
    {
        ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice",
        Metadata = Meta(s.Namespace, s.Name, s.Labels),
        AddressType = s.AddressType,
        Ports = s.Ports.Select(p => new Discoveryv1EndpointPort { Name = p.Name ?? "", Port = p.Port, Protocol = Proto(p.Protocol), AppProtocol = p.AppProtocol }).ToList(),
        Endpoints = s.Endpoints.Select(e => new V1Endpoint
        {
            Addresses = e.Addresses.ToList(),
            Conditions = new V1EndpointConditions { Ready = e.Conditions.Ready, Serving = e.Conditions.Serving, Terminating = e.Conditions.Terminating },
            Hostname = e.Hostname,
            NodeName = e.NodeName,
            Zone = e.Zone,
            TargetRef = e.PodName is null ? null : new V1ObjectReference { Kind = "Pod", Name = e.PodName, NamespaceProperty = s.Namespace },
            Hints = e.ZoneHints.Count == 0 ? null : new V1EndpointHints { ForZones = e.ZoneHints.Select(z => new V1ForZone { Name = z }).ToList() },
        }).ToList(),
    };

    public static V1Ingress Ingress(Ingress i) => new()
    {
        ApiVersion = "networking.k8s.io/v1", Kind = "Ingress",
        Metadata = Meta(i.Namespace, i.Name, i.Labels, i.Annotations),
        Spec = new V1IngressSpec
        {
            IngressClassName = i.ClassName,
            DefaultBackend = Backend(i.DefaultBackend),
            Rules = i.Rules.Count == 0 ? null : i.Rules.Select(r => new V1IngressRule
            {
                Host = r.Host,
                Http = new V1HTTPIngressRuleValue
                {
                    Paths = r.Paths.Select(p => new V1HTTPIngressPath { Path = p.Path, PathType = p.PathType.ToString(), Backend = Backend(p.Backend) }).ToList(),
                },
            }).ToList(),
            Tls = i.Tls.Count == 0 ? null : i.Tls.Select(t => new V1IngressTLS { Hosts = t.Hosts.ToList(), SecretName = t.SecretName }).ToList(),
        },
        Status = i.LoadBalancerIngress.Count == 0 ? null : new V1IngressStatus
        {
            LoadBalancer = new V1IngressLoadBalancerStatus { Ingress = i.LoadBalancerIngress.Select(a => new V1IngressLoadBalancerIngress { Ip = a }).ToList() },
        },
    };

    private static V1IngressBackend? Backend(IngressBackend? b)
    {
        if (b is null) return null;
        if (b.ServiceName is not null)
            return new V1IngressBackend
            {
                Service = new V1IngressServiceBackend
                {
                    Name = b.ServiceName,
                    Port = b.ServicePort is not { } p ? null : p.IsName ? new V1ServiceBackendPort { Name = p.Name } : new V1ServiceBackendPort { Number = p.Number },
                },
            };
        return new V1IngressBackend { Resource = new V1TypedLocalObjectReference { Kind = b.ResourceKind, Name = b.ResourceName } };
    }

    public static V1NetworkPolicy Policy(NetworkPolicy p) => new()
    {
        ApiVersion = "networking.k8s.io/v1", Kind = "NetworkPolicy",
        Metadata = Meta(p.Namespace, p.Name, Labels.Empty),
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = Selector(p.PodSelector),
            PolicyTypes = new[] { p.AppliesToIngress ? "Ingress" : null, p.AppliesToEgress ? "Egress" : null }.Where(x => x is not null).Select(x => x!).ToList(),
            Ingress = p.Ingress.Count == 0 ? null : p.Ingress.Select(r => new V1NetworkPolicyIngressRule { FromProperty = Peers(r.Peers), Ports = Ports(r.Ports) }).ToList(),
            Egress = p.Egress.Count == 0 ? null : p.Egress.Select(r => new V1NetworkPolicyEgressRule { To = Peers(r.Peers), Ports = Ports(r.Ports) }).ToList(),
        },
    };

    private static V1LabelSelector Selector(LabelSelector s) => new()
    {
        MatchLabels = Map(s.MatchLabels),
        MatchExpressions = s.MatchExpressions.Count == 0 ? null : s.MatchExpressions.Select(e => new V1LabelSelectorRequirement
        {
            Key = e.Key, OperatorProperty = e.Operator.ToString(), Values = e.Values.Count == 0 ? null : e.Values.ToList(),
        }).ToList(),
    };

    private static List<V1NetworkPolicyPeer>? Peers(IReadOnlyList<PolicyPeer>? peers) => peers?.Select(p => new V1NetworkPolicyPeer
    {
        PodSelector = p.PodSelector is null ? null : Selector(p.PodSelector),
        NamespaceSelector = p.NamespaceSelector is null ? null : Selector(p.NamespaceSelector),
        IpBlock = p.IpBlock is null ? null : new V1IPBlock { Cidr = p.IpBlock.Cidr.ToString(), Except = p.IpBlock.Except.Count == 0 ? null : p.IpBlock.Except.Select(e => e.ToString()).ToList() },
    }).ToList();

    private static List<V1NetworkPolicyPort>? Ports(IReadOnlyList<PolicyPort> ports) => ports.Count == 0 ? null : ports.Select(p => new V1NetworkPolicyPort
    {
        Protocol = Proto(p.Protocol),
        Port = p.Port is not { } r ? null : r.IsName ? (IntOrString)r.Name! : (IntOrString)r.Number,
        EndPort = p.EndPort,
    }).ToList();

    public static V1ServiceAccount Account(ServiceAccount a) => new()
    {
        ApiVersion = "v1", Kind = "ServiceAccount",
        Metadata = Meta(a.Namespace, a.Name, a.Labels),
        AutomountServiceAccountToken = a.AutomountToken ? null : false,
    };
}
