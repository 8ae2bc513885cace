using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Semantics.Tests;

/// <summary>Terse constructors for model records, so fixtures read like the SPECS tables.</summary>
internal static class Build
{
    private static readonly SourceLocation Loc = new("test.yaml", 1);

    public static ClusterNamespace Ns(string name) =>
        new(name, Labels.Of((ClusterNamespace.NameLabel, name)), Labels.Empty, Loc);

    public static Pod Pod(string ns, string name, string? ip, string? node = "node-1", bool ready = true,
        string? hostname = null, string? subdomain = null, string dnsPolicy = "ClusterFirst",
        bool hostNetwork = false, DnsConfig? dnsConfig = null, bool terminating = false) =>
        new PodBuilder(ns, name).Labels(("app", name)).Node(node).Ip(ip).HostNetwork(hostNetwork).Hostname(hostname).Subdomain(subdomain)
            .DnsPolicy(dnsPolicy).DnsConfig(dnsConfig).Ready(ready).Terminating(terminating).At(Loc).Build();

    public static ServicePort Port(string? name, int port, Protocol protocol = Protocol.TCP, int? target = null) =>
        new(name, protocol, port, PortRef.Of(target ?? port), null, null);

    public static Service Svc(string ns, string name, string? clusterIp, params ServicePort[] ports) =>
        new ServiceBuilder(ns, name).Selector(("app", name)).ClusterIp(clusterIp).Ports(ports).SessionAffinity(false, 10800).At(Loc).Build();

    public static Service Headless(string ns, string name, params ServicePort[] ports) => Svc(ns, name, Service.None, ports);

    public static Service External(string ns, string name, string externalName) =>
        Svc(ns, name, null) with { Type = ServiceType.ExternalName, ExternalName = externalName, Selector = null };

    public static Endpoint Ep(string ip, bool ready = true, string? hostname = null, string? node = "node-1",
        string? pod = null, bool serving = true, bool terminating = false, string? zone = null, params string[] hints) =>
        new([ip], new EndpointConditions(ready, serving, terminating), hostname, node, zone, pod, hints);

    public static EndpointPort EpPort(string? name, int port, Protocol protocol = Protocol.TCP) => new(name, protocol, port, null);

    public static EndpointSlice Slice(string ns, string service, string name, IReadOnlyList<EndpointPort> ports, params Endpoint[] eps)
    {
        string type = eps.Length > 0 && eps[0].Addresses[0].Contains(':') ? "IPv6" : "IPv4";
        return new(ns, name, service, type, ports, eps, EndpointSlice.ControllerName,
            Labels.Of((EndpointSlice.ServiceNameLabel, service)), Loc);
    }

    public static DerivedCluster Cluster(IEnumerable<Service> services, IEnumerable<EndpointSlice>? slices = null,
        IEnumerable<Pod>? pods = null, ClusterOptions? options = null, IEnumerable<string>? namespaces = null,
        IEnumerable<Podwire.Model.Ingress>? ingresses = null, IEnumerable<IngressClass>? classes = null)
    {
        var svcs = services.ToList();
        var podList = (pods ?? []).ToList();
        var nsNames = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var n in namespaces ?? []) nsNames.Add(n);
        foreach (var s in svcs) nsNames.Add(s.Namespace);
        foreach (var p in podList) nsNames.Add(p.Namespace);
        var input = ClusterModel.Empty(options ?? new ClusterOptions()) with
        {
            Ingresses = (ingresses ?? []).ToList(),
            IngressClasses = (classes ?? []).ToList(),
        };
        return new DerivedCluster(input, nsNames.Select(Ns).ToList(), [], podList, svcs, (slices ?? []).ToList());
    }

    public static IngressBackend Backend(string service, int port) => new(service, PortRef.Of(port), null, null);
    public static IngressBackend Backend(string service, string port) => new(service, PortRef.Named(port), null, null);
    public static IngressPath Path(string path, PathType type, IngressBackend backend) => new(path, type, backend);
    public static IngressRule Rule(string? host, params IngressPath[] paths) => new(host, paths);

    public static Podwire.Model.Ingress Ing(string ns, string name, IEnumerable<IngressRule> rules, IngressBackend? defaultBackend = null,
        string? className = null, IEnumerable<IngressTls>? tls = null, Labels? annotations = null) =>
        new(ns, name, Labels.Empty, annotations ?? Labels.Empty, className, defaultBackend, rules.ToList(), (tls ?? []).ToList(), Loc);

    public static IngressClass Class(string name, string controller, bool isDefault = false) => new(name, controller, isDefault, Loc);
}
