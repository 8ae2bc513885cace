using k8s.Models;
using static Podwire.Model.Building.Normalizer;

namespace Podwire.Model.Building;

internal static class ServiceNormalizer
{
    public const int DefaultAffinityTimeout = 10800;
    private const int MaxMirroredAddresses = 1000;

    public static Service Service(V1Service s, SourceLocation loc)
    {
        var spec = s.Spec ?? new V1ServiceSpec();
        var type = spec.Type switch
        {
            "NodePort" => ServiceType.NodePort,
            "LoadBalancer" => ServiceType.LoadBalancer,
            "ExternalName" => ServiceType.ExternalName,
            _ => ServiceType.ClusterIP,
        };
        var ports = (spec.Ports ?? []).Select(p => new ServicePort(
            p.Name, Proto(p.Protocol), p.Port,
            PortRef(p.TargetPort) ?? Model.PortRef.Of(p.Port),   // targetPort defaults to port
            p.NodePort, p.AppProtocol)).ToArray();
        string? clusterIP = string.IsNullOrEmpty(spec.ClusterIP) ? null : spec.ClusterIP;
        var clusterIPs = spec.ClusterIPs?.Where(i => !string.IsNullOrEmpty(i)).ToArray() ?? (clusterIP is null ? [] : [clusterIP]);
        bool external = type is ServiceType.NodePort or ServiceType.LoadBalancer;
        bool affinity = spec.SessionAffinity == "ClientIP";
        int timeout = spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? DefaultAffinityTimeout;
        // A Service selector is a plain map: empty and absent both mean "no selector" once stored.
        Labels? selector = spec.Selector is { Count: > 0 } ? L(spec.Selector) : null;
        var lbIngress = s.Status?.LoadBalancer?.Ingress?.Select(i => i.Ip ?? i.Hostname).Where(x => x is not null).Select(x => x!).ToArray() ?? [];
        return new Service(Ns(s.Metadata), s.Metadata.Name, L(s.Metadata.Labels), L(s.Metadata.Annotations), type,
            type == ServiceType.ExternalName ? null : selector,
            type == ServiceType.ExternalName ? null : clusterIP,
            type == ServiceType.ExternalName ? [] : clusterIPs,
            ports, spec.ExternalName?.TrimEnd('.'), spec.ExternalIPs?.ToArray() ?? [],
            affinity, affinity ? timeout : 0,
            (external || spec.ExternalIPs is { Count: > 0 }) && spec.ExternalTrafficPolicy == "Local",
            spec.InternalTrafficPolicy == "Local",
            spec.HealthCheckNodePort,
            spec.PublishNotReadyAddresses ?? false,
            spec.LoadBalancerIP, spec.LoadBalancerClass,
            type == ServiceType.LoadBalancer && (spec.AllocateLoadBalancerNodePorts ?? true),
            lbIngress, spec.IpFamilies?.ToArray() ?? [], spec.TrafficDistribution, loc)
        {
            LoadBalancerSourceRanges = SourceRanges(spec, s.Metadata.Annotations),
        };
    }

    /// <summary>The field, else the annotation (comma-separated), trimmed; kube-proxy's precedence.</summary>
    private static string[] SourceRanges(V1ServiceSpec spec, IDictionary<string, string>? annotations)
    {
        if (spec.LoadBalancerSourceRanges is { Count: > 0 } field) return [.. field.Select(r => r.Trim())];
        if (annotations is not null && annotations.TryGetValue(Podwire.Model.Service.SourceRangesAnnotation, out var text) && !string.IsNullOrWhiteSpace(text))
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        return [];
    }

    public static EndpointSlice Slice(V1EndpointSlice s, SourceLocation loc)
    {
        var labels = L(s.Metadata.Labels);
        var ports = (s.Ports ?? []).Select(p => new EndpointPort(p.Name, Proto(p.Protocol), p.Port, p.AppProtocol)).ToArray();
        var eps = (s.Endpoints ?? []).Select(e =>
        {
            bool ready = e.Conditions?.Ready ?? true;       // nil ready means unknown: consumers treat it as ready
            bool serving = e.Conditions?.Serving ?? ready;
            bool terminating = e.Conditions?.Terminating ?? false;
            return new Endpoint(e.Addresses?.ToArray() ?? [], new EndpointConditions(ready, serving, terminating),
                e.Hostname, e.NodeName, e.Zone, e.TargetRef?.Kind == "Pod" ? e.TargetRef.Name : null,
                e.Hints?.ForZones?.Select(z => z.Name).ToArray() ?? []);
        }).ToArray();
        return new EndpointSlice(Ns(s.Metadata), s.Metadata.Name, labels.Get(EndpointSlice.ServiceNameLabel), s.AddressType,
            ports, eps, labels.Get(EndpointSlice.ManagedByLabel) ?? "user", labels, loc);
    }

    /// <summary>
    /// What the endpointslicemirroring controller makes of a legacy Endpoints object: one slice per
    /// subset, at most 1000 addresses each; objects labelled skip-mirror are left alone.
    /// </summary>
    public static IEnumerable<EndpointSlice> Mirror(V1Endpoints e, SourceLocation loc)
    {
        if (e.Metadata.Labels?.TryGetValue("endpointslice.kubernetes.io/skip-mirror", out var skip) == true && skip == "true") yield break;
        string ns = Ns(e.Metadata);
        int i = 0;
        foreach (var subset in e.Subsets ?? [])
        {
            var ports = (subset.Ports ?? []).Select(p => new EndpointPort(p.Name, Proto(p.Protocol), p.Port, p.AppProtocol)).ToArray();
            var eps = new List<Endpoint>();
            foreach (var a in subset.Addresses ?? [])
                eps.Add(new Endpoint([a.Ip], new EndpointConditions(true, true, false), a.Hostname, a.NodeName, null, a.TargetRef?.Kind == "Pod" ? a.TargetRef.Name : null, []));
            foreach (var a in subset.NotReadyAddresses ?? [])
                eps.Add(new Endpoint([a.Ip], new EndpointConditions(false, false, false), a.Hostname, a.NodeName, null, a.TargetRef?.Kind == "Pod" ? a.TargetRef.Name : null, []));
            if (eps.Count > MaxMirroredAddresses) eps = eps.GetRange(0, MaxMirroredAddresses);
            var family = eps.Count > 0 && eps[0].Addresses[0].Contains(':') ? "IPv6" : "IPv4";
            var labels = Labels.Of((EndpointSlice.ServiceNameLabel, e.Metadata.Name), (EndpointSlice.ManagedByLabel, EndpointSlice.MirroringControllerName));
            yield return new EndpointSlice(ns, $"{e.Metadata.Name}-mirror-{i++}", e.Metadata.Name, family, ports, eps,
                EndpointSlice.MirroringControllerName, labels, loc);
        }
    }
}
