using System.Text;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Controllers.Tests;

/// <summary>Small builders for model records, so tests state only what matters to them.</summary>
public static class TestModels
{
    public static readonly SourceLocation Loc = new("test.yaml", 1);

    public static Labels L(params (string Key, string Value)[] pairs) => Labels.Of(pairs);

    public static Pod Pod(string ns, string name, Labels? labels = null, string? node = null, string? ip = null,
        bool ready = true, bool terminating = false, string phase = "Running", bool hostNetwork = false,
        string? hostname = null, string? subdomain = null, params ContainerPort[] ports) =>
        new PodBuilder(ns, name).Labels(labels ?? Labels.Empty).Node(node).Ip(ip).HostNetwork(hostNetwork).Hostname(hostname)
            .Subdomain(subdomain).Ports(ports).Containers("main").Ready(ready).Terminating(terminating).Phase(phase).At(Loc).Build();

    public static ContainerPort Port(string? name, int port, Protocol protocol = Protocol.TCP) => new(name, port, protocol, "main", null);

    public static ServicePort SPort(string? name, int port, PortRef? target = null, Protocol protocol = Protocol.TCP, int? nodePort = null) =>
        new(name, protocol, port, target ?? PortRef.Of(port), nodePort, null);

    public static Service Service(string ns, string name, Labels? selector = null, ServiceType type = ServiceType.ClusterIP,
        string? clusterIP = null, IReadOnlyList<ServicePort>? ports = null) =>
        new ServiceBuilder(ns, name).Type(type).Selector(selector).ClusterIp(clusterIP).Ports(ports ?? [SPort("http", 80)])
            .AllocateLoadBalancerNodePorts(type == ServiceType.LoadBalancer).At(Loc).Build();

    public static Node Node(string name, string? podCidr = null, string? ip = null, bool ready = true, string? zone = null) =>
        new(name, zone is null ? L(("kubernetes.io/hostname", name)) : L(("kubernetes.io/hostname", name), ("topology.kubernetes.io/zone", zone)),
            podCidr, podCidr is null ? [] : [podCidr], ip, ready, Loc);

    public static Workload Workload(WorkloadKind kind, string ns, string name, int replicas, Labels? labels = null, string? serviceName = null) =>
        new(kind, ns, name, replicas, serviceName,
            Pod(ns, "", labels ?? L(("app", name))) with { Owner = new OwnerRef(kind.ToString(), name) }, Loc);

    public static ClusterModel Cluster(ClusterOptions? options = null, IReadOnlyList<Node>? nodes = null, IReadOnlyList<Pod>? pods = null,
        IReadOnlyList<Service>? services = null, IReadOnlyList<Workload>? workloads = null, IReadOnlyList<EndpointSlice>? slices = null) =>
        ClusterModel.Empty(options ?? new ClusterOptions()) with
        {
            Nodes = nodes ?? [],
            Pods = pods ?? [],
            Services = services ?? [],
            Workloads = workloads ?? [],
            EndpointSlices = slices ?? [],
        };

    public static Cidr C(string text) => Cidr.Parse(text);

    /// <summary>
    /// A canonical text of everything derived. Records compare lists by reference, so equality of two
    /// derivations is checked on this text instead.
    /// </summary>
    public static string Dump(DerivedCluster d)
    {
        var sb = new StringBuilder();
        foreach (var n in d.Namespaces) sb.Append("ns ").Append(n.Name).Append(' ').Append(n.Labels).AppendLine();
        foreach (var n in d.Nodes)
            sb.Append("node ").Append(n.Name).Append(' ').Append(n.PodCidr).Append(' ').Append(string.Join(",", n.PodCidrs))
              .Append(' ').Append(n.InternalIP).Append(' ').Append(n.Ready).Append(' ').Append(n.Labels).AppendLine();
        foreach (var p in d.Pods)
            sb.Append("pod ").Append(p.Key).Append(' ').Append(p.NodeName).Append(' ').Append(p.PodIP).Append(' ')
              .Append(string.Join(",", p.PodIPs)).Append(' ').Append(p.Phase).Append(' ').Append(p.Labels).Append(' ')
              .Append(p.Hostname).Append(' ').Append(p.Subdomain).Append(' ').Append(p.Owner).AppendLine();
        foreach (var s in d.Services)
        {
            sb.Append("svc ").Append(s.Key).Append(' ').Append(s.Type).Append(' ').Append(s.ClusterIP).Append(' ')
              .Append(string.Join(",", s.ClusterIPs)).Append(' ').Append(string.Join(",", s.IpFamilies)).Append(' ')
              .Append(s.HealthCheckNodePort).Append(' ').Append(string.Join(",", s.LoadBalancerIngress)).Append(' ').Append(s.Selector);
            foreach (var p in s.Ports) sb.Append(" [").Append(p.Name).Append(' ').Append(p.Port).Append('/').Append(p.Protocol)
                .Append("->").Append(p.TargetPort).Append(" np=").Append(p.NodePort).Append(']');
            sb.AppendLine();
        }
        foreach (var e in d.EndpointSlices)
        {
            sb.Append("slice ").Append(e.Namespace).Append('/').Append(e.Name).Append(' ').Append(e.ServiceName).Append(' ')
              .Append(e.AddressType).Append(' ').Append(e.ManagedBy).Append(' ').Append(e.Labels);
            foreach (var p in e.Ports) sb.Append(" [").Append(p.Name).Append(' ').Append(p.Port).Append('/').Append(p.Protocol).Append(']');
            foreach (var ep in e.Endpoints)
                sb.Append(" {").Append(string.Join(",", ep.Addresses)).Append(' ').Append(ep.Conditions).Append(' ').Append(ep.Hostname)
                  .Append(' ').Append(ep.NodeName).Append(' ').Append(ep.Zone).Append(' ').Append(ep.PodName).Append(' ')
                  .Append(string.Join(",", ep.ZoneHints)).Append('}');
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
