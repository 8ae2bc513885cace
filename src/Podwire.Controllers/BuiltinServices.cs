using Podwire.Model;

namespace Podwire.Controllers;

/// <summary>
/// The two Services every cluster has without anyone writing them: default/kubernetes (the API
/// server, .1 of the service range) and kube-system/kube-dns (.10, what kubelet's clusterDNS
/// points at). Why: DNS answers, resolv.conf and "reach the API server" all refer to them.
/// A user-written Service of the same name wins, but keeps the conventional address by default.
/// </summary>
public static class BuiltinServices
{
    public const int ApiServerOffset = 1;
    public const int DnsOffset = 10;
    public const int ApiServerPort = 6443;

    public static bool IsApiServer(Service s) => s.Namespace == "default" && s.Name == "kubernetes";
    public static bool IsDns(Service s) => s.Namespace == "kube-system" && s.Name == "kube-dns";

    /// <summary>The conventional offset in the service range for a well-known Service, or null.</summary>
    public static int? PreferredOffset(Service s) =>
        IsApiServer(s) ? ApiServerOffset : IsDns(s) ? DnsOffset : null;

    /// <summary>The input Services plus whichever built-ins the input lacks, unsorted.</summary>
    public static List<Service> Merge(IReadOnlyList<Service> services, ClusterOptions options)
    {
        var result = new List<Service>(services.Count + 2);
        bool hasApi = false, hasDns = false;
        foreach (var s in services)
        {
            hasApi |= IsApiServer(s);
            hasDns |= IsDns(s);
            result.Add(s);
        }
        string family = options.ServiceCidr.IsIPv4 ? "IPv4" : "IPv6";
        if (!hasApi)
            result.Add(Make("default", "kubernetes",
                Labels.Of(("component", "apiserver"), ("provider", "kubernetes")), null,
                [new ServicePort("https", Protocol.TCP, 443, PortRef.Of(ApiServerPort), null, null)], family));
        if (!hasDns)
            result.Add(Make("kube-system", "kube-dns",
                Labels.Of(("k8s-app", "kube-dns")), Labels.Of(("k8s-app", "kube-dns")),
                [
                    new ServicePort("dns", Protocol.UDP, 53, PortRef.Of(53), null, null),
                    new ServicePort("dns-tcp", Protocol.TCP, 53, PortRef.Of(53), null, null),
                    new ServicePort("metrics", Protocol.TCP, 9153, PortRef.Of(9153), null, null),
                ], family));
        return result;
    }

    // ClusterIP is left empty here: the allocator gives the conventional offset, or another address if it is taken.
    private static Service Make(string ns, string name, Labels labels, Labels? selector, IReadOnlyList<ServicePort> ports, string family) =>
        new(ns, name, labels, Labels.Empty, ServiceType.ClusterIP, selector, null, [], ports, null, [],
            false, 0, false, false, null, false, null, null, false, [], [family], null, SourceLocation.Generated);

    /// <summary>The slice the API server keeps for default/kubernetes: the control-plane address, port 6443.</summary>
    public static EndpointSlice ApiServerSlice(Service api, IReadOnlyList<Node> nodes)
    {
        // The first node (in node order) with an address stands in for the control plane.
        string? ip = null;
        foreach (var n in nodes)
            if (n.InternalIP is not null) { ip = n.InternalIP; break; }
        string portName = api.Ports.Count > 0 ? api.Ports[0].Name ?? "https" : "https";
        IReadOnlyList<Endpoint> endpoints = ip is null
            ? []
            : [new Endpoint([ip], new EndpointConditions(true, true, false), null, null, null, null, [])]; // not a pod: no node/targetRef
        string addressType = ip is not null && PodController.IsIPv6(ip) ? "IPv6" : "IPv4";
        return new EndpointSlice(api.Namespace, api.Name, api.Name, addressType,
            [new EndpointPort(portName, Protocol.TCP, ApiServerPort, null)], endpoints, "kube-apiserver",
            Labels.Of((EndpointSlice.ServiceNameLabel, api.Name)), SourceLocation.Generated);
    }
}
