using System.Net;
using System.Net.Sockets;
using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Semantics.Services;

/// <summary>Service → endpoints, read from the EndpointSlices as kube-proxy reads them.</summary>
public static class ServiceResolver
{
    /// <summary>
    /// Resolves Service <paramref name="ns"/>/<paramref name="name"/> on its port numbered
    /// <paramref name="port"/> (the Service port, not the target port). When several ports
    /// share the number (53/TCP and 53/UDP) <paramref name="protocol"/> picks one, else the
    /// first listed. Null when the Service does not exist.
    /// </summary>
    /// <remarks>
    /// Endpoints come from the slices whose port has the Service port's name and protocol, and,
    /// for a Service with a ClusterIP, whose address family is the primary ClusterIP's (kube-proxy
    /// programs each family separately). A headless Service without ports lists every endpoint
    /// address with the requested port, since clients connect to pod IPs directly.
    /// </remarks>
    public static ServiceResolution? Resolve(DerivedCluster cluster, string ns, string name, int port, Protocol? protocol = null)
    {
        var svc = cluster.FindService(ns, name);
        if (svc is null) return null;

        if (svc.Type == ServiceType.ExternalName)
            return new ServiceResolution(svc, FindPort(svc, port, protocol), null, [],
                $"ExternalName Service: DNS answers CNAME {svc.ExternalName}.; no ClusterIP, no endpoints, no proxying");

        var slices = cluster.SlicesFor(ns, name);
        string? clusterIp = svc.IsHeadless ? Service.None : svc.ClusterIPs.Count > 0 ? svc.ClusterIPs[0] : svc.ClusterIP;
        string? family = svc.IsHeadless ? null : FamilyOf(clusterIp);

        var sp = FindPort(svc, port, protocol);
        if (sp is null)
        {
            if (svc.IsHeadless && svc.Ports.Count == 0)
            {
                var all = Collect(slices, null, port, family, ns);
                return new ServiceResolution(svc, null, clusterIp, all,
                    $"headless Service {svc.Key} without ports: DNS returns the {all.Count} endpoint address(es), clients connect to port {port} directly");
            }
            return new ServiceResolution(svc, null, clusterIp, [],
                $"Service {svc.Key} has no port {port}{(protocol is { } p ? "/" + p : "")} (ports: {DescribePorts(svc)})");
        }

        var eps = Collect(slices, sp, port, family, ns);
        int ready = 0;
        foreach (var e in eps) if (e.Ready) ready++;
        string what = svc.IsHeadless ? $"headless Service {svc.Key}: no VIP, DNS returns the ready endpoints" : $"Service {svc.Key} {clusterIp}:{sp.Port}/{sp.Protocol}";
        string explanation = slices.Count == 0
            ? $"{what}; no EndpointSlices{(svc.Selector is null ? " (no selector: endpoints must be created by hand)" : " (no pod matches the selector)")}"
            : $"{what}; {eps.Count} endpoint(s), {ready} ready, from {slices.Count} EndpointSlice(s) matching port {sp.Name ?? "(unnamed)"}/{sp.Protocol}";
        return new ServiceResolution(svc, sp, clusterIp, eps, explanation);
    }

    private static ServicePort? FindPort(Service svc, int port, Protocol? protocol)
    {
        foreach (var p in svc.Ports)
            if (p.Port == port && (protocol is null || p.Protocol == protocol)) return p;
        return null;
    }

    private static List<ResolvedEndpoint> Collect(IReadOnlyList<EndpointSlice> slices, ServicePort? sp, int requestedPort, string? family, string ns)
    {
        var list = new List<ResolvedEndpoint>();
        var seen = new HashSet<(string, int)>();
        foreach (var slice in slices)
        {
            if (family is not null && slice.AddressType != family) continue;
            int? port = requestedPort;
            if (sp is not null)
            {
                port = null;
                foreach (var ep in slice.Ports)
                    if (SameName(ep.Name, sp.Name) && ep.Protocol == sp.Protocol)
                    {
                        // A slice port without a number: fall back to a numeric targetPort.
                        port = ep.Port ?? (sp.TargetPort.IsName ? null : sp.TargetPort.Number);
                        break;
                    }
                if (port is null) continue;
            }
            foreach (var e in slice.Endpoints)
                foreach (var addr in e.Addresses)
                {
                    if (!seen.Add((addr, port.Value))) continue;
                    list.Add(new ResolvedEndpoint(addr, port.Value, e.Conditions.Ready, e.Conditions.Serving, e.Conditions.Terminating,
                        e.PodName is null ? null : ns + "/" + e.PodName, e.NodeName, e.Zone, e.ZoneHints));
                }
        }
        return list;
    }

    private static bool SameName(string? a, string? b) => (a ?? "") == (b ?? "");

    private static string? FamilyOf(string? ip) =>
        ip is not null && IPAddress.TryParse(ip, out var a)
            ? a.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4"
            : null;

    private static string DescribePorts(Service svc) =>
        svc.Ports.Count == 0 ? "none" : string.Join(", ", svc.Ports.Select(p => $"{p.Name ?? "(unnamed)"} {p.Port}/{p.Protocol}"));

    /// <summary>
    /// kube-proxy's endpoint choice (<c>pkg/proxy/topology.go</c> CategorizeEndpoints) for one
    /// connection. <paramref name="clientNode"/> is the node the traffic enters on (the client
    /// pod's node for ClusterIP traffic, the receiving node for NodePort/LoadBalancer);
    /// <paramref name="clientZone"/> is that node's zone; <paramref name="external"/> selects
    /// externalTrafficPolicy instead of internalTrafficPolicy.
    /// </summary>
    public static EndpointPick PickEndpoints(ServiceResolution resolution, string? clientNode = null, string? clientZone = null, bool external = false)
    {
        var svc = resolution.Service;
        var eps = resolution.Endpoints;
        bool local = external ? svc.ExternalTrafficLocal : svc.InternalTrafficLocal;
        string policy = external ? "externalTrafficPolicy" : "internalTrafficPolicy";

        if (local)
        {
            if (clientNode is null)
                return new EndpointPick([], false, false, $"{policy}: Local needs the client's node; none given");
            var ready = Filter(eps, e => e.Ready && e.Node == clientNode);
            if (ready.Count > 0)
                return new EndpointPick(ready, false, false, $"{policy}: Local: {ready.Count} ready endpoint(s) on node {clientNode}");
            var term = Filter(eps, e => e.Serving && e.Terminating && e.Node == clientNode);
            if (term.Count > 0)
                return new EndpointPick(term, false, true, $"{policy}: Local: no ready endpoint on node {clientNode}; using {term.Count} serving, terminating endpoint(s)");
            return new EndpointPick([], false, false, $"{policy}: Local: no endpoint on node {clientNode}: traffic is dropped");
        }

        bool topology = CanUseTopology(eps, svc, clientZone);
        var picked = Filter(eps, e => e.Ready && (!topology || HintsZone(e, clientZone!)));
        if (picked.Count > 0)
            return new EndpointPick(picked, topology, false, topology
                ? $"topology-aware routing: {picked.Count} ready endpoint(s) hinted for zone {clientZone}"
                : $"{picked.Count} ready endpoint(s)");
        var fallback = Filter(eps, e => e.Serving && e.Terminating);
        if (fallback.Count > 0)
            return new EndpointPick(fallback, false, true, $"no ready endpoint; using {fallback.Count} serving, terminating endpoint(s)");
        return new EndpointPick([], false, false, eps.Count == 0
            ? "no endpoints: connections to the VIP are rejected"
            : "no ready or serving-terminating endpoint: connections to the VIP are rejected");
    }

    // Topology applies only when the Service asks for it, the client zone is known, every ready
    // endpoint carries hints, and at least one is hinted for the client's zone.
    private static bool CanUseTopology(IReadOnlyList<ResolvedEndpoint> eps, Service svc, string? zone)
    {
        string? mode = svc.Annotations.Get("service.kubernetes.io/topology-mode") ?? svc.Annotations.Get("service.kubernetes.io/topology-aware-hints");
        bool wanted = mode is "Auto" or "auto" || svc.TrafficDistribution is "PreferClose" or "PreferSameZone";
        if (!wanted || string.IsNullOrEmpty(zone)) return false;
        bool any = false;
        foreach (var e in eps)
        {
            if (!e.Ready) continue;
            if (e.ZoneHints is not { Count: > 0 } hints) return false;
            if (hints.Contains(zone)) any = true;
        }
        return any;
    }

    private static bool HintsZone(ResolvedEndpoint e, string zone) => e.ZoneHints is { } h && h.Contains(zone);

    private static List<ResolvedEndpoint> Filter(IReadOnlyList<ResolvedEndpoint> eps, Func<ResolvedEndpoint, bool> keep)
    {
        var list = new List<ResolvedEndpoint>();
        foreach (var e in eps) if (keep(e)) list.Add(e);
        return list;
    }
}
