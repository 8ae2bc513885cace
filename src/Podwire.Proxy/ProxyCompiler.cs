using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Semantics.Services;

namespace Podwire.Proxy;

/// <summary>
/// Derived cluster + node → the proxy's elements on that node, with kube-proxy's semantics
/// (SPECS 2): endpoint choice (ready, else serving-terminating; internal/externalTrafficPolicy;
/// topology hints) comes from <see cref="ServiceResolver.PickEndpoints"/>, so the kernel and the
/// analyzer share one reading of the spec while the rule layout stays our own. Pure.
/// </summary>
public static class ProxyCompiler
{
    /// <summary>The whole node's state, every Service compiled (a <see cref="ProxyChangeTracker"/> recompiles only what changed).</summary>
    public static ProxyState Compile(DerivedCluster cluster, string nodeName) => new ProxyChangeTracker(nodeName).Update(cluster).State;

    internal static Node? FindNode(DerivedCluster cluster, string nodeName)
    {
        foreach (var n in cluster.Nodes) if (n.Name == nodeName) return n;
        return null;
    }

    internal static HashSet<string> Hairpin(DerivedCluster cluster, string nodeName)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in cluster.Pods)
            if (p.NodeName == nodeName && !p.HostNetwork && IsV4(p.PodIP)) set.Add(p.PodIP + " . " + p.PodIP);
        return set;
    }

    internal static string BackendKey(string frontend, int bucket) => frontend + " . " + bucket.ToString(CultureInfo.InvariantCulture);

    /// <summary>One Service's claims on this node, in the order the merge rule reads them.</summary>
    internal static ServiceFragment CompileService(DerivedCluster cluster, Service svc, IReadOnlyList<EndpointSlice> slices, Node? node, string nodeName)
    {
        if (svc.Type == ServiceType.ExternalName || svc.IsHeadless) return new ServiceFragment(svc, slices, [], null);
        string? vip = svc.ClusterIPs.Count > 0 ? svc.ClusterIPs[0] : svc.ClusterIP;
        if (!IsV4(vip)) return new ServiceFragment(svc, slices, [], null); // IPv4 only for now: the table is `ip` family
        int affinity = svc.SessionAffinityClientIP ? svc.SessionAffinityTimeoutSeconds : 0;
        int healthLocal = -1;
        var claims = new List<FrontendClaim>();
        var firewall = Firewall(svc, node);
        foreach (var port in svc.Ports)
        {
            var res = ServiceResolver.Resolve(cluster, svc.Namespace, svc.Name, port.Port, port.Protocol);
            if (res is null) continue;
            string proto = port.Protocol.ToString().ToLowerInvariant();
            string portText = port.Port.ToString(CultureInfo.InvariantCulture);
            var externals = ExternalFrontends(svc, port, node, proto);

            // The cluster-wide list ignores both traffic policies: pods reaching a NodePort or LB
            // address get it, and when it is empty the Service has no endpoints at all → reject.
            // Picks are computed only where a traffic policy makes them differ (10k Services: 3× less work).
            bool anyLocal = svc.InternalTrafficLocal || svc.ExternalTrafficLocal;
            var plain = anyLocal ? res with { Service = svc with { InternalTrafficLocal = false, ExternalTrafficLocal = false } } : res;
            var all = ServiceResolver.PickEndpoints(plain, nodeName, node?.Zone).Endpoints;
            var internalEps = svc.InternalTrafficLocal ? ServiceResolver.PickEndpoints(res, nodeName, node?.Zone).Endpoints : all;
            var externalEps = svc.ExternalTrafficLocal ? ServiceResolver.PickEndpoints(res, nodeName, node?.Zone, external: true).Endpoints : all;
            if (healthLocal < 0) healthLocal = externalEps.Count;

            string vipKey = vip + " . " + proto + " . " + portText;
            // Source ranges guard the LoadBalancer addresses only (not NodePorts, not externalIPs),
            // with or without endpoints, as kube-proxy's firewall-check does.
            if (firewall is LbChain fw)
                foreach (var ip in svc.LoadBalancerIngress)
                    if (IsV4(ip)) claims.Add(new FrontendClaim(ClaimTarget.Firewall, ip + " . " + proto + " . " + portText, "jump " + fw.Name, fw, 0, []));
            if (all.Count == 0)
            {
                claims.Add(new FrontendClaim(ClaimTarget.NoEndpoints, vipKey, "", null, 0, []));
                foreach (var f in externals) claims.Add(new FrontendClaim(ClaimTarget.NoEndpoints, f, "", null, 0, []));
                continue;
            }
            claims.Add(Frontend(ClaimTarget.Internal, vipKey, internalEps, masquerade: false, external: false, affinity));
            foreach (var f in externals)
            {
                if (svc.ExternalTrafficLocal)
                {
                    // Pods and the node itself short-circuit to every endpoint; outsiders get only
                    // local ones with their address preserved, or nothing.
                    claims.Add(Frontend(ClaimTarget.Internal, f, all, masquerade: false, external: false, affinity));
                    claims.Add(Frontend(ClaimTarget.External, f, externalEps, masquerade: false, external: true, affinity));
                }
                else
                {
                    claims.Add(Frontend(ClaimTarget.Internal, f, all, masquerade: true, external: false, affinity));
                    claims.Add(Frontend(ClaimTarget.External, f, all, masquerade: true, external: false, affinity));
                }
            }
        }
        HealthCheck? health = null;
        if (svc.ExternalTrafficLocal && svc.HealthCheckNodePort is int hc && node is not null)
            health = new HealthCheck(hc, svc.Namespace, svc.Name, Math.Max(0, healthLocal));
        return new ServiceFragment(svc, slices, claims.ToArray(), health);
    }

    /// <summary>
    /// One frontend in one verdict map. No endpoints here (a traffic policy of Local with none on
    /// this node) means drop, as kube-proxy does.
    /// </summary>
    private static FrontendClaim Frontend(ClaimTarget target, string key, IReadOnlyList<ResolvedEndpoint> eps, bool masquerade, bool external, int affinity)
    {
        if (eps.Count == 0) return new FrontendClaim(target, key, "drop", null, 0, []);
        var chain = new LbChain(eps.Count, masquerade, external, affinity);
        var backends = new string[eps.Count];
        for (int i = 0; i < eps.Count; i++) backends[i] = eps[i].Ip + " . " + eps[i].Port.ToString(CultureInfo.InvariantCulture);
        int offset = external ? ProxyLayout.ExternalOffset : 0;
        return new FrontendClaim(target, key, "goto " + chain.Name, chain, offset, backends, affinity > 0 ? Slots(backends, offset) : null);
    }

    /// <summary>32-bit FNV-1a of the text: stable names and slots from content.</summary>
    internal static uint Fnv1a(string text)
    {
        uint h = 2166136261;
        foreach (char c in text) h = (h ^ c) * 16777619;
        return h;
    }

    /// <summary>
    /// Each endpoint's affinity slot: a hash of the endpoint itself, so it stays the same while the
    /// endpoint exists however the list around it changes (a colliding hash takes the next free value).
    /// </summary>
    public static int[] Slots(string[] backends, int offset)
    {
        var slots = new int[backends.Length];
        var used = new HashSet<int>();
        for (int i = 0; i < backends.Length; i++)
        {
            uint h = Fnv1a(backends[i]);
            int s = (int)((h ^ (h >> 15)) & ProxyLayout.SlotHashMask);
            while (!used.Add(s)) s = (s + 1) & ProxyLayout.SlotHashMask;
            slots[i] = ProxyLayout.SlotBase | offset | s;
        }
        return slots;
    }

    /// <summary>
    /// The firewall chain of a LoadBalancer Service with IPv4 source ranges (networks, sorted), or
    /// null. When this node's address is inside a range the LoadBalancer addresses are allowed too,
    /// as kube-proxy allows them: a node reaching a VIP it holds locally comes from that VIP.
    /// </summary>
    internal static LbChain? Firewall(Service svc, Node? node)
    {
        if (svc.Type != ServiceType.LoadBalancer || svc.LoadBalancerSourceRanges.Count == 0 || svc.LoadBalancerIngress.Count == 0) return null;
        var ranges = SourceRanges.Of(svc, AddressFamily.InterNetwork);
        if (ranges.Count == 0) return null; // ranges of the other family only: nothing to enforce in this table
        IPAddress? nodeIp = node?.InternalIP is string n && IPAddress.TryParse(n, out var a) ? a : null;
        if (nodeIp is not null && ranges.Exists(r => r.Contains(nodeIp)))
            foreach (var ip in svc.LoadBalancerIngress)
                if (IsV4(ip)) ranges.Add(new Podwire.Model.Net.Cidr(IPAddress.Parse(ip), 32));
        // nft refuses overlapping intervals in one set: keep only ranges no other range contains.
        ranges.Sort((x, y) => x.PrefixLength.CompareTo(y.PrefixLength));
        var kept = new List<Podwire.Model.Net.Cidr>(ranges.Count);
        foreach (var r in ranges)
            if (!kept.Exists(k => k.Contains(r))) kept.Add(r);
        var allow = kept.ConvertAll(r => r.ToString());
        allow.Sort(StringComparer.Ordinal);
        return LbChain.Firewall(string.Join(", ", allow));
    }

    /// <summary>NodePort on this node's address, LoadBalancer ingress addresses, externalIPs.</summary>
    private static List<string> ExternalFrontends(Service svc, ServicePort port, Node? node, string proto)
    {
        var list = new List<string>();
        string portText = port.Port.ToString(CultureInfo.InvariantCulture);
        if (port.NodePort is int np && svc.Type is ServiceType.NodePort or ServiceType.LoadBalancer && node is not null && IsV4(node.InternalIP))
            list.Add($"{node.InternalIP} . {proto} . {np.ToString(CultureInfo.InvariantCulture)}");
        if (svc.Type == ServiceType.LoadBalancer)
            foreach (var ip in svc.LoadBalancerIngress)
                if (IsV4(ip)) list.Add($"{ip} . {proto} . {portText}");
        foreach (var ip in svc.ExternalIPs)
            if (IsV4(ip)) list.Add($"{ip} . {proto} . {portText}");
        return list;
    }

    /// <summary>
    /// Where the underlay sends each LoadBalancer and external IP: to the first node (in node order)
    /// with a ready endpoint of the Service, else the first node — as MetalLB's layer-2 speaker
    /// announces from a node with a local endpoint when externalTrafficPolicy is Local.
    /// </summary>
    public static IReadOnlyList<(string Address, string Node)> UnderlayRoutes(DerivedCluster cluster)
    {
        var routes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? first = null;
        foreach (var n in cluster.Nodes) if (n.InternalIP is not null) { first = n.Name; break; }
        if (first is null) return [];
        foreach (var svc in cluster.Services)
        {
            if (svc.Type == ServiceType.ExternalName || svc.IsHeadless) continue;
            var addresses = new List<string>();
            if (svc.Type == ServiceType.LoadBalancer) addresses.AddRange(svc.LoadBalancerIngress);
            addresses.AddRange(svc.ExternalIPs);
            if (addresses.Count == 0) continue;
            string target = NodeWithEndpoint(cluster, svc) ?? first;
            foreach (var a in addresses) if (IsV4(a)) routes.TryAdd(a, target);
        }
        var list = new List<(string, string)>(routes.Count);
        foreach (var (a, n) in routes) list.Add((a, n));
        return list;
    }

    private static string? NodeWithEndpoint(DerivedCluster cluster, Service svc)
    {
        var withEndpoint = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in cluster.SlicesFor(svc.Namespace, svc.Name))
            foreach (var e in slice.Endpoints)
                if (e.Conditions.Ready && e.NodeName is not null) withEndpoint.Add(e.NodeName);
        foreach (var n in cluster.Nodes) if (withEndpoint.Contains(n.Name) && n.InternalIP is not null) return n.Name;
        return null;
    }

    internal static bool IsV4(string? ip) =>
        ip is not null && IPAddress.TryParse(ip, out var a) && a.AddressFamily == AddressFamily.InterNetwork;
}
