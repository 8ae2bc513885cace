using System.Net;
using System.Text.Json;
using Podwire.Controllers.Ipam;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Controllers;

/// <summary>A pod's node and addresses as a running cluster assigned them.</summary>
public sealed record PodPin(string Node, IReadOnlyList<string> IPs);

/// <summary>A node's share of the pod network and its underlay address as a running cluster assigned them.</summary>
public sealed record NodePin(IReadOnlyList<string> PodCidrs, string? InternalIP);

/// <summary>
/// A Service's ClusterIPs, LoadBalancer addresses, NodePorts (keyed "PROTOCOL/port") and
/// health-check NodePort as a running cluster assigned them.
/// </summary>
public sealed record ServicePin(IReadOnlyList<string> ClusterIPs, IReadOnlyList<string> LoadBalancer,
    IReadOnlyDictionary<string, int> NodePorts, int? HealthCheckNodePort);

/// <summary>
/// What a running cluster has already assigned, keyed "namespace/name" (nodes by name): nodes'
/// pod CIDRs and addresses, pods' nodes and addresses, Services' addresses and NodePorts. Why: a real control plane
/// never moves a running pod or renumbers a Service because other objects came or went, while a
/// derivation from manifests alone hands out nodes and addresses in (namespace, name) order, so
/// one new pod can shift every address after it. Deriving with these pins keeps each object that
/// the manifests leave unassigned where it was; what manifests say explicitly still wins, and a
/// pin that no longer fits (node gone, address outside its range or taken) is dropped. Pure.
/// </summary>
public sealed record Assignments(IReadOnlyDictionary<string, PodPin> Pods, IReadOnlyDictionary<string, ServicePin> Services)
{
    public static readonly Assignments None = new(new Dictionary<string, PodPin>(), new Dictionary<string, ServicePin>());

    /// <summary>Nodes' pod CIDRs and InternalIPs: a node that joins later must not renumber the ones running.</summary>
    public IReadOnlyDictionary<string, NodePin> Nodes { get; init; } = new Dictionary<string, NodePin>(StringComparer.Ordinal);

    /// <summary>The assignments of a derived cluster: every addressed pod network pod, every Service with addresses.</summary>
    public static Assignments Of(DerivedCluster cluster)
    {
        var pods = new Dictionary<string, PodPin>(StringComparer.Ordinal);
        foreach (var p in cluster.Pods)
            if (!p.HostNetwork && p.NodeName is not null && p.PodIP is not null)
                pods[p.Namespace + "/" + p.Name] = new PodPin(p.NodeName, p.PodIPs.Count > 0 ? p.PodIPs : [p.PodIP]);
        var services = new Dictionary<string, ServicePin>(StringComparer.Ordinal);
        foreach (var s in cluster.Services)
        {
            IReadOnlyList<string> ips = s.IsHeadless || s.Type == ServiceType.ExternalName ? [] : ServiceIpAllocator.Requested(s);
            var nodePorts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var p in s.Ports) if (p.NodePort is int np) nodePorts[PortKey(p)] = np;
            int? health = NodePortAllocator.WantsHealthCheck(s) ? s.HealthCheckNodePort : null;
            if (ips.Count > 0 || s.LoadBalancerIngress.Count > 0 || nodePorts.Count > 0 || health is not null)
                services[s.Namespace + "/" + s.Name] = new ServicePin(ips, s.LoadBalancerIngress, nodePorts, health);
        }
        var nodes = new Dictionary<string, NodePin>(StringComparer.Ordinal);
        foreach (var n in cluster.Nodes)
            nodes[n.Name] = new NodePin(NodeSubnetIpam.GivenCidrs(n), n.InternalIP);
        return new Assignments(pods, services) { Nodes = nodes };
    }

    /// <summary>
    /// <paramref name="nodes"/> with pinned pod CIDRs for nodes that have none (when they are
    /// inside the cluster CIDR and overlap no CIDR another node is given) and pinned InternalIPs
    /// for nodes without one (when no node asks for that address).
    /// </summary>
    public Node[] Pin(Node[] nodes, ClusterOptions options)
    {
        if (Nodes.Count == 0) return nodes;
        var cidrs = new List<Cidr>();
        var ips = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            foreach (var c in NodeSubnetIpam.GivenCidrs(n)) if (Cidr.TryParse(c, out var parsed)) cidrs.Add(parsed);
            if (n.InternalIP is not null) ips.Add(n.InternalIP);
        }
        var result = new Node[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            var n = result[i] = nodes[i];
            if (!Nodes.TryGetValue(n.Name, out var pin)) continue;
            if (NodeSubnetIpam.GivenCidrs(n).Count == 0 && pin.PodCidrs.Count > 0 && FreeCidrs(pin.PodCidrs, options, cidrs) is { } free)
            {
                cidrs.AddRange(free);
                n = result[i] = n with { PodCidr = pin.PodCidrs[0], PodCidrs = pin.PodCidrs };
            }
            if (n.InternalIP is null && pin.InternalIP is { } ip && IPAddress.TryParse(ip, out var addr) && options.NodeNetwork.Contains(addr) && ips.Add(ip))
                result[i] = n with { InternalIP = ip };
        }
        return result;
    }

    private static List<Cidr>? FreeCidrs(IReadOnlyList<string> texts, ClusterOptions options, List<Cidr> taken)
    {
        var result = new List<Cidr>(texts.Count);
        foreach (var t in texts)
        {
            if (!Cidr.TryParse(t, out var c) || !(options.ClusterCidr.Contains(c.Network) && c.PrefixLength >= options.ClusterCidr.PrefixLength)) return null;
            foreach (var other in taken) if (other.Overlaps(c)) return null;
            result.Add(c);
        }
        return result;
    }

    /// <summary>
    /// <paramref name="pods"/> with the pinned node and addresses given to each pod that has
    /// neither an address nor host networking, when the node still exists, is Ready, and its pod
    /// address space holds every pinned address (<see cref="IPodIpam.Fits"/>), and no pod names one of them explicitly.
    /// </summary>
    public IReadOnlyList<Pod> Pin(IReadOnlyList<Pod> pods, IReadOnlyList<Node> nodes, IPodIpam ipam)
    {
        if (Pods.Count == 0) return pods;
        var explicitIPs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in pods)
        {
            if (p.PodIP is not null) explicitIPs.Add(p.PodIP);
            foreach (var ip in p.PodIPs) explicitIPs.Add(ip);
        }
        var byName = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in nodes) byName.TryAdd(n.Name, n);
        var result = new Pod[pods.Count];
        var pinned = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < pods.Count; i++)
        {
            var p = pods[i];
            result[i] = p;
            if (p.HostNetwork || p.PodIP is not null || p.PodIPs.Count > 0 || p.Phase is "Succeeded" or "Failed") continue;
            if (!Pods.TryGetValue(p.Namespace + "/" + p.Name, out var pin) || pin.IPs.Count == 0) continue;
            if (p.NodeName is not null && p.NodeName != pin.Node) continue;
            if (!byName.TryGetValue(pin.Node, out var node) || !node.Ready || !ipam.Fits(pin.IPs, node)) continue;
            bool free = true;
            foreach (var ip in pin.IPs) free &= !explicitIPs.Contains(ip) && !pinned.Contains(ip);
            if (!free) continue;
            foreach (var ip in pin.IPs) pinned.Add(ip);
            result[i] = p with { NodeName = pin.Node, PodIP = pin.IPs[0], PodIPs = pin.IPs };
        }
        return result;
    }

    /// <summary>
    /// <paramref name="services"/> with pinned ClusterIPs for those without one (not headless, not
    /// ExternalName) and pinned LoadBalancer addresses for LoadBalancer Services of the default
    /// class asking for none, when the addresses are still in range and nobody asks for them.
    /// </summary>
    public IReadOnlyList<Service> Pin(IReadOnlyList<Service> services, ClusterOptions options)
    {
        if (Services.Count == 0) return services;
        var asked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in services)
        {
            foreach (var ip in ServiceIpAllocator.Requested(s)) asked.Add(ip);
            if (s.LoadBalancerIP is { } l) asked.Add(l);
            foreach (var ip in s.LoadBalancerIngress) asked.Add(ip);
        }
        // NodePorts asked for explicitly win over pinned ones (the allocator takes them first).
        var askedPorts = new HashSet<int>();
        foreach (var s in services)
        {
            foreach (var p in s.Ports) if (p.NodePort is int np) askedPorts.Add(np);
            if (s.HealthCheckNodePort is int hc) askedPorts.Add(hc);
        }
        var result = new Service[services.Count];
        for (int i = 0; i < services.Count; i++)
        {
            var s = services[i];
            result[i] = s;
            if (!Services.TryGetValue(s.Namespace + "/" + s.Name, out var pin)) continue;
            s = result[i] = PinNodePorts(s, pin, askedPorts, options);
            if (ServiceIpAllocator.Requested(s).Count == 0 && s.Type != ServiceType.ExternalName && pin.ClusterIPs.Count > 0
                && All(pin.ClusterIPs, ip => (options.ServiceCidr.Contains(ip) || options.ServiceCidrV6?.Contains(ip) == true) && !asked.Contains(ip.ToString())))
            {
                foreach (var ip in pin.ClusterIPs) asked.Add(ip);
                s = result[i] = s with { ClusterIP = pin.ClusterIPs[0], ClusterIPs = pin.ClusterIPs };
            }
            if (s.Type == ServiceType.LoadBalancer && s.LoadBalancerClass is null && s.LoadBalancerIP is null && s.LoadBalancerIngress.Count == 0
                && pin.LoadBalancer.Count > 0 && All(pin.LoadBalancer, ip => options.LoadBalancerPool.Contains(ip) && !asked.Contains(ip.ToString())))
            {
                foreach (var ip in pin.LoadBalancer) asked.Add(ip);
                result[i] = s with { LoadBalancerIngress = pin.LoadBalancer };
            }
        }
        return result;
    }

    /// <summary>
    /// Addresses pinned to pods that are not in <paramref name="pods"/>: ones a later stage adds
    /// back (the lab's add-ons), or just deleted. Kept out of this derivation's allocation so a
    /// new pod cannot take them; the next assignments no longer hold the deleted ones.
    /// </summary>
    public IReadOnlySet<string> ReservedBesides(IReadOnlyList<Pod> pods)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in pods) present.Add(p.Namespace + "/" + p.Name);
        var reserved = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, pin) in Pods)
            if (!present.Contains(key)) foreach (var ip in pin.IPs) reserved.Add(ip);
        return reserved;
    }

    private static string PortKey(ServicePort p) => p.Protocol + "/" + p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Service PinNodePorts(Service s, ServicePin pin, HashSet<int> asked, ClusterOptions options)
    {
        bool InRange(int port) => port >= options.NodePortMin && port <= options.NodePortMax && !asked.Contains(port);
        if (NodePortAllocator.WantsNodePorts(s) && pin.NodePorts.Count > 0)
        {
            ServicePort[]? ports = null;
            for (int p = 0; p < s.Ports.Count; p++)
                if (s.Ports[p].NodePort is null && pin.NodePorts.TryGetValue(PortKey(s.Ports[p]), out var np) && InRange(np))
                    (ports ??= [.. s.Ports])[p] = s.Ports[p] with { NodePort = np };
            if (ports is not null) s = s with { Ports = ports };
        }
        if (NodePortAllocator.WantsHealthCheck(s) && s.HealthCheckNodePort is null && pin.HealthCheckNodePort is int hc && InRange(hc))
            s = s with { HealthCheckNodePort = hc };
        return s;
    }

    private static bool All(IReadOnlyList<string> texts, Func<IPAddress, bool> test)
    {
        foreach (var t in texts)
            if (!IPAddress.TryParse(t, out var ip) || !test(ip)) return false;
        return true;
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("nodes");
            foreach (var (name, pin) in Nodes.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject(name);
                Strings(w, "podCIDRs", pin.PodCidrs);
                if (pin.InternalIP is not null) w.WriteString("internalIP", pin.InternalIP);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartObject("pods");
            foreach (var (key, pin) in Pods.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject(key);
                w.WriteString("node", pin.Node);
                Strings(w, "ips", pin.IPs);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartObject("services");
            foreach (var (key, pin) in Services.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject(key);
                Strings(w, "clusterIPs", pin.ClusterIPs);
                Strings(w, "loadBalancer", pin.LoadBalancer);
                w.WriteStartObject("nodePorts");
                foreach (var (port, np) in pin.NodePorts.OrderBy(k => k.Key, StringComparer.Ordinal)) w.WriteNumber(port, np);
                w.WriteEndObject();
                if (pin.HealthCheckNodePort is int hc) w.WriteNumber("healthCheckNodePort", hc);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads <see cref="ToJson"/>'s output; anything unreadable gives <see cref="None"/> (pins are a hint, never a reason to fail).</summary>
    public static Assignments Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var pods = new Dictionary<string, PodPin>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.GetProperty("pods").EnumerateObject())
                pods[p.Name] = new PodPin(p.Value.GetProperty("node").GetString()!, Strings(p.Value.GetProperty("ips")));
            var services = new Dictionary<string, ServicePin>(StringComparer.Ordinal);
            foreach (var s in doc.RootElement.GetProperty("services").EnumerateObject())
            {
                var nodePorts = new Dictionary<string, int>(StringComparer.Ordinal);
                if (s.Value.TryGetProperty("nodePorts", out var np)) foreach (var p in np.EnumerateObject()) nodePorts[p.Name] = p.Value.GetInt32();
                int? health = s.Value.TryGetProperty("healthCheckNodePort", out var hc) ? hc.GetInt32() : null;
                services[s.Name] = new ServicePin(Strings(s.Value.GetProperty("clusterIPs")), Strings(s.Value.GetProperty("loadBalancer")), nodePorts, health);
            }
            var nodes = new Dictionary<string, NodePin>(StringComparer.Ordinal);
            if (doc.RootElement.TryGetProperty("nodes", out var ns))
                foreach (var n in ns.EnumerateObject())
                    nodes[n.Name] = new NodePin(Strings(n.Value.GetProperty("podCIDRs")),
                        n.Value.TryGetProperty("internalIP", out var ip) ? ip.GetString() : null);
            return new Assignments(pods, services) { Nodes = nodes };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return None;
        }
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
