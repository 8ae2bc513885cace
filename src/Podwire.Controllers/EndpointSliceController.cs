using System.Text;
using Podwire.Model;

namespace Podwire.Controllers;

/// <summary>
/// The EndpointSlice controller (discovery.k8s.io/v1): for every Service with a selector, the
/// selected pods as endpoints, grouped by address family and resolved port set, at most
/// MaxEndpointsPerSlice per slice. Why: kube-proxy and DNS read slices, not pods, and the
/// per-pod resolution of named targetPorts is what makes one Service send to different ports.
/// Follows upstream where it is specific: slices carry the resolved targetPort even for headless
/// Services (the "headless ignores targetPort" rule is about proxying, not the slice contents);
/// a pod missing a named port is left out for that port only; a Service with no endpoints gets
/// one empty placeholder slice. One deliberate leniency: pods on a node the model does not know
/// are still listed (upstream drops them until the Node appears), since manifests often omit Nodes.
/// </summary>
public static class EndpointSliceController
{
    public const string HeadlessLabel = "service.kubernetes.io/headless";
    public const string TopologyModeAnnotation = "service.kubernetes.io/topology-mode";
    public const string LegacyTopologyAnnotation = "service.kubernetes.io/topology-aware-hints";

    public static IReadOnlyList<EndpointSlice> Reconcile(
        IReadOnlyList<Service> services, IReadOnlyList<Pod> pods, IReadOnlyList<Node> nodes,
        IReadOnlyList<EndpointSlice> userSlices, ClusterOptions options)
    {
        int max = Math.Clamp(options.MaxEndpointsPerSlice, 1, 1000);
        var eligible = new List<Pod>(pods.Count);
        foreach (var p in pods)
            if (p.PodIP is not null && p.Phase is not ("Succeeded" or "Failed")) eligible.Add(p);
        var index = new PodIndex(eligible);
        var zones = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var n in nodes) zones.TryAdd(n.Name, n.Zone);

        var managedServices = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in services)
            if (s.Type != ServiceType.ExternalName && s.Selector is not null) managedServices.Add(s.Key);

        var result = new List<EndpointSlice>(services.Count + userSlices.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var servicesWithUserSlices = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in userSlices)
        {
            // Slices this controller made (a cluster dump) are regenerated, not kept twice; everyone else's stay as written.
            if (slice.ManagedBy == EndpointSlice.ControllerName && slice.ServiceName is not null
                && managedServices.Contains(slice.Namespace + "/" + slice.ServiceName)) continue;
            result.Add(slice);
            names.Add(slice.Namespace + "/" + slice.Name);
            if (slice.ServiceName is not null) servicesWithUserSlices.Add(slice.Namespace + "/" + slice.ServiceName);
        }

        foreach (var s in services)
        {
            if (s.Type == ServiceType.ExternalName) continue;
            if (s.Selector is null)
            {
                if (BuiltinServices.IsApiServer(s) && !servicesWithUserSlices.Contains(s.Key) && names.Add(s.Namespace + "/" + s.Name))
                    result.Add(BuiltinServices.ApiServerSlice(s, nodes));
                continue;
            }
            BuildSlices(s, index.Select(s.Namespace, s.Selector), zones, max, names, result);
        }
        return Ordering.Sorted(result, Ordering.CompareSlices);
    }

    private sealed class Group(string addressType, IReadOnlyList<EndpointPort> ports, string portKey)
    {
        public string AddressType { get; } = addressType;
        public IReadOnlyList<EndpointPort> Ports { get; } = ports;
        public string PortKey { get; } = portKey;
        public List<Endpoint> Endpoints { get; } = [];
    }

    private static void BuildSlices(Service s, IReadOnlyList<Pod> selected, Dictionary<string, string?> zones,
        int max, HashSet<string> names, List<EndpointSlice> result)
    {
        bool allNumeric = true;
        foreach (var sp in s.Ports) allNumeric &= !sp.TargetPort.IsName;
        IReadOnlyList<EndpointPort>? fixedPorts = allNumeric ? PortsFor(s, null) : null;
        string fixedKey = fixedPorts is null ? "" : PortKey(fixedPorts);

        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        var order = new List<Group>();
        bool allZoned = true;
        foreach (var pod in selected)
        {
            var ports = fixedPorts ?? PortsFor(s, pod);
            string portKey = fixedPorts is null ? PortKey(ports) : fixedKey;
            string? zone = pod.NodeName is not null && zones.TryGetValue(pod.NodeName, out var z) ? z : null;
            allZoned &= zone is not null;
            foreach (var (ip, family) in AddressesFor(s, pod))
            {
                string key = family + "|" + portKey;
                if (!groups.TryGetValue(key, out var g))
                {
                    groups[key] = g = new Group(family, ports, portKey);
                    order.Add(g);
                }
                g.Endpoints.Add(ToEndpoint(s, pod, ip, zone));
            }
        }

        var labels = SliceLabels(s);
        ulong serviceHash = StableHash.Fnv1a(s.Key);
        if (order.Count == 0)
        {
            // Upstream keeps one empty placeholder slice so consumers can tell "no endpoints" from "not reconciled".
            string family = s.IpFamilies.Count > 0 ? s.IpFamilies[0] : ServiceIpAllocator.IPv4;
            string name = UniqueName(s, StableHash.Add(serviceHash, "|placeholder"), names);
            result.Add(new EndpointSlice(s.Namespace, name, s.Name, family, [], [], EndpointSlice.ControllerName, labels, s.Location));
            return;
        }

        bool hints = WantsZoneHints(s) && allZoned;
        foreach (var g in order)
        {
            ulong groupHash = StableHash.Add(StableHash.Add(serviceHash, '|' + g.AddressType + '|'), g.PortKey);
            for (int start = 0, chunk = 0; start < g.Endpoints.Count; start += max, chunk++)
            {
                int count = Math.Min(max, g.Endpoints.Count - start);
                var endpoints = new Endpoint[count];
                for (int k = 0; k < count; k++)
                {
                    var e = g.Endpoints[start + k];
                    endpoints[k] = hints ? e with { ZoneHints = [e.Zone!] } : e;
                }
                string name = UniqueName(s, StableHash.Add(groupHash, chunk), names);
                result.Add(new EndpointSlice(s.Namespace, name, s.Name, g.AddressType, g.Ports, endpoints,
                    EndpointSlice.ControllerName, labels, s.Location));
            }
        }
    }

    /// <summary>The Service's ports as this pod serves them; a named targetPort the pod lacks (name and protocol) is left out.</summary>
    public static IReadOnlyList<EndpointPort> PortsFor(Service s, Pod? pod)
    {
        if (s.Ports.Count == 0) return [];
        var list = new List<EndpointPort>(s.Ports.Count);
        foreach (var sp in s.Ports)
        {
            int? number = sp.TargetPort.IsName
                ? pod?.ResolvePort(sp.TargetPort.Name!, sp.Protocol)
                : sp.TargetPort.Number > 0 ? sp.TargetPort.Number : sp.Port;
            if (number is int n) list.Add(new EndpointPort(sp.Name, sp.Protocol, n, sp.AppProtocol));
        }
        return list;
    }

    private static string PortKey(IReadOnlyList<EndpointPort> ports)
    {
        var sb = new StringBuilder();
        foreach (var p in ports) sb.Append(p.Name).Append('/').Append(p.Protocol).Append('/').Append(p.Port).Append(';');
        return sb.ToString();
    }

    // hostNetwork pods already carry their node's address as PodIP (PodController). Families the Service
    // does not list are dropped, unless that would drop all of the pod's addresses (a v6-only cluster
    // whose Services defaulted to IPv4 still gets IPv6 slices).
    private static IEnumerable<(string Ip, string Family)> AddressesFor(Service s, Pod pod)
    {
        IReadOnlyList<string> ips = pod.PodIPs.Count > 0 ? pod.PodIPs : [pod.PodIP!];
        bool any = false;
        foreach (var ip in ips)
        {
            string family = ServiceIpAllocator.FamilyOf(ip) ?? ServiceIpAllocator.IPv4;
            if (s.IpFamilies.Count == 0 || Contains(s.IpFamilies, family)) { any = true; yield return (ip, family); }
        }
        if (any) yield break;
        foreach (var ip in ips) yield return (ip, ServiceIpAllocator.FamilyOf(ip) ?? ServiceIpAllocator.IPv4);
    }

    private static bool Contains(IReadOnlyList<string> list, string item)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == item) return true;
        return false;
    }

    private static Endpoint ToEndpoint(Service s, Pod pod, string ip, string? zone)
    {
        // Upstream podToEndpoint: publishNotReadyAddresses makes serving and ready true; terminating stays the truth.
        bool serving = s.PublishNotReadyAddresses || pod.Ready;
        bool ready = s.PublishNotReadyAddresses || (serving && !pod.Terminating);
        string? hostname = !string.IsNullOrEmpty(pod.Hostname) && pod.Subdomain == s.Name ? pod.Hostname : null;
        return new Endpoint([ip], new EndpointConditions(ready, serving, pod.Terminating), hostname, pod.NodeName, zone, pod.Name, []);
    }

    /// <summary>Topology-aware routing: the topology-mode annotation (or its predecessor) set to Auto, or trafficDistribution.</summary>
    public static bool WantsZoneHints(Service s) =>
        IsAuto(s.Annotations.Get(TopologyModeAnnotation)) || IsAuto(s.Annotations.Get(LegacyTopologyAnnotation))
        || s.TrafficDistribution is "PreferClose" or "PreferSameZone";

    private static bool IsAuto(string? v) => v is "Auto" or "auto";

    private static Labels SliceLabels(Service s)
    {
        // Upstream copies the Service's labels onto its slices, then sets the ones it owns.
        var pairs = new List<KeyValuePair<string, string>>(s.Labels.Count + 3);
        foreach (var l in s.Labels.AsSpan())
            if (l.Key is not (EndpointSlice.ServiceNameLabel or EndpointSlice.ManagedByLabel or HeadlessLabel)) pairs.Add(l);
        pairs.Add(new(EndpointSlice.ServiceNameLabel, s.Name));
        pairs.Add(new(EndpointSlice.ManagedByLabel, EndpointSlice.ControllerName));
        if (s.IsHeadless) pairs.Add(new(HeadlessLabel, ""));
        return Labels.From(pairs);
    }

    private static string UniqueName(Service s, ulong seed, HashSet<string> names)
    {
        ulong h = StableHash.Mix(seed);
        while (true)
        {
            string name = StableHash.GenerateName(s.Name + "-", h);
            if (names.Add(s.Namespace + "/" + name)) return name;
            h = StableHash.Mix(h + 1);
        }
    }
}
