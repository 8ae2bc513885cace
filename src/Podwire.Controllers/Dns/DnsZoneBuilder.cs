using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Podwire.Model;

namespace Podwire.Controllers.Dns;

/// <summary>
/// Derives every cluster DNS record (DNS-SPEC schema 1.1.0, plus CoreDNS pod records) from a
/// derived cluster. Pure; the result is built once and then only read.
/// </summary>
/// <remarks>
/// Choices where the spec leaves room, following CoreDNS:
/// <list type="bullet">
/// <item>SRV priority is 0 and a weight of 100 is split evenly among the RRs at one name.</item>
/// <item>SRV exists only at <c>_port._proto</c> names of named ports; headless SRV ports come
/// from the EndpointSlice ports (the target ports), ClusterIP SRV ports from the Service.</item>
/// <item>A headless endpoint without a hostname is named by its dashed IP.</item>
/// <item>A pod with hostname+subdomain gets its A/AAAA when a headless Service named after the
/// subdomain exists in its namespace and the pod is ready (or the Service publishes not-ready
/// addresses), even before an EndpointSlice carries it.</item>
/// </list>
/// </remarks>
public static class DnsZoneBuilder
{
    public const string SchemaVersion = "1.1.0";

    public static DnsZone Build(DerivedCluster cluster)
    {
        var options = cluster.Options;
        string domain = DnsNames.Canonical(options.ClusterDomain);
        var b = new Accumulator(options.DnsTtl);

        b.Add("dns-version." + domain, DnsType.TXT, SchemaVersion);

        var namespaces = KnownNamespaces(cluster);
        foreach (var ns in namespaces) b.Touch(ns + ".svc." + domain);

        foreach (var svc in cluster.Services)
        {
            string owner = ServiceFqdn(svc.Namespace, svc.Name, domain);
            if (svc.Type == ServiceType.ExternalName)
            {
                if (!string.IsNullOrWhiteSpace(svc.ExternalName))
                    b.Add(owner, DnsType.CNAME, DnsNames.Canonical(svc.ExternalName));
            }
            else if (svc.IsHeadless) AddHeadless(b, cluster, svc, owner);
            else AddClusterIp(b, svc, owner);
        }

        AddPodHostnames(b, cluster, domain);

        if (options.PodRecords == PodRecordsMode.Verified) AddVerifiedPods(b, cluster, domain);
        if (options.PodRecords != PodRecordsMode.Disabled)
            foreach (var ns in namespaces) b.Touch(ns + ".pod." + domain);

        var nodes = b.Freeze(domain);
        return new DnsZone(domain, ServerAddress(cluster), options.DnsTtl, options.PodRecords, nodes, namespaces.ToFrozenSet(StringComparer.Ordinal));
    }

    /// <summary>kubelet's clusterDNS: the kube-system/kube-dns ClusterIP, else the conventional .10 of the range.</summary>
    public static string ServerAddress(DerivedCluster cluster)
    {
        var kubeDns = cluster.FindService("kube-system", "kube-dns");
        return kubeDns is { IsHeadless: false, ClusterIP: { } ip } ? ip : cluster.Options.DnsServiceIP;
    }

    public static string ServiceFqdn(string ns, string name, string domain) =>
        (name + "." + ns + ".svc." + domain).ToLowerInvariant();

    private static void AddClusterIp(Accumulator b, Service svc, string owner)
    {
        IReadOnlyList<string> ips = svc.ClusterIPs.Count > 0 ? svc.ClusterIPs
            : svc.ClusterIP is { } one ? [one] : [];
        foreach (var text in ips)
        {
            if (!IPAddress.TryParse(text, out var ip)) continue;
            b.Add(owner, AddressType(ip), ip.ToString());
            b.Add(DnsNames.ReverseName(ip), DnsType.PTR, owner);
        }
        foreach (var p in svc.Ports)
        {
            if (string.IsNullOrEmpty(p.Name)) continue;
            b.AddSrv(SrvName(p.Name, p.Protocol, owner), p.Port, owner);
        }
    }

    private static void AddHeadless(Accumulator b, DerivedCluster cluster, Service svc, string owner)
    {
        foreach (var slice in cluster.SlicesFor(svc.Namespace, svc.Name))
        {
            if (slice.AddressType is not ("IPv4" or "IPv6")) continue;
            foreach (var ep in slice.Endpoints)
            {
                if (!ep.Conditions.Ready && !svc.PublishNotReadyAddresses) continue;
                foreach (var text in ep.Addresses)
                {
                    if (!IPAddress.TryParse(text, out var ip)) continue;
                    string addr = ip.ToString();
                    string host = (string.IsNullOrEmpty(ep.Hostname) ? DnsNames.DashedIp(addr) : ep.Hostname).ToLowerInvariant();
                    string hostFqdn = host + "." + owner;
                    var type = AddressType(ip);
                    b.Add(owner, type, addr);
                    b.Add(hostFqdn, type, addr);
                    b.Add(DnsNames.ReverseName(ip), DnsType.PTR, hostFqdn);
                    foreach (var p in slice.Ports)
                    {
                        if (string.IsNullOrEmpty(p.Name) || p.Port is not int port) continue;
                        b.AddSrv(SrvName(p.Name, p.Protocol, owner), port, hostFqdn);
                    }
                }
            }
        }
    }

    private static void AddPodHostnames(Accumulator b, DerivedCluster cluster, string domain)
    {
        foreach (var pod in cluster.Pods)
        {
            if (string.IsNullOrEmpty(pod.Hostname) || string.IsNullOrEmpty(pod.Subdomain)) continue;
            var svc = cluster.FindService(pod.Namespace, pod.Subdomain);
            if (svc is null || !svc.IsHeadless || svc.Type == ServiceType.ExternalName) continue;
            if (!(pod.Ready && !pod.Terminating) && !svc.PublishNotReadyAddresses) continue;
            string fqdn = pod.Hostname.ToLowerInvariant() + "." + ServiceFqdn(pod.Namespace, svc.Name, domain);
            foreach (var text in PodIps(pod))
                if (IPAddress.TryParse(text, out var ip)) b.Add(fqdn, AddressType(ip), ip.ToString());
        }
    }

    private static void AddVerifiedPods(Accumulator b, DerivedCluster cluster, string domain)
    {
        foreach (var pod in cluster.Pods)
            foreach (var text in PodIps(pod))
            {
                if (!IPAddress.TryParse(text, out var ip)) continue;
                string addr = ip.ToString();
                b.Add(DnsNames.DashedIp(addr) + "." + pod.Namespace.ToLowerInvariant() + ".pod." + domain, AddressType(ip), addr);
            }
    }

    private static IReadOnlyList<string> PodIps(Pod pod) =>
        pod.PodIPs.Count > 0 ? pod.PodIPs : pod.PodIP is { } ip ? [ip] : [];

    private static SortedSet<string> KnownNamespaces(DerivedCluster cluster)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var n in cluster.Namespaces) set.Add(n.Name.ToLowerInvariant());
        foreach (var p in cluster.Pods) set.Add(p.Namespace.ToLowerInvariant());
        foreach (var s in cluster.Services) set.Add(s.Namespace.ToLowerInvariant());
        return set;
    }

    private static DnsType AddressType(IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetwork ? DnsType.A : DnsType.AAAA;

    private static string SrvName(string portName, Protocol protocol, string owner) =>
        "_" + portName.ToLowerInvariant() + "._" + protocol.ToString().ToLowerInvariant() + "." + owner;

    /// <summary>Mutable collection of records, de-duplicated, frozen into the zone's index.</summary>
    private sealed class Accumulator(int ttl)
    {
        private readonly Dictionary<string, List<DnsRecord>> _records = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<(int Port, string Target)>> _srv = new(StringComparer.Ordinal);
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        // Large headless Services put thousands of records at one name: de-duplicate by hash, not by scan.
        private readonly HashSet<(string, DnsType, string)> _seen = [];
        private readonly HashSet<(string, int, string)> _seenSrv = [];

        public void Touch(string name) => _names.Add(name);

        public void Add(string name, DnsType type, string data)
        {
            _names.Add(name);
            if (!_seen.Add((name, type, data))) return;
            if (!_records.TryGetValue(name, out var list)) _records[name] = list = [];
            list.Add(new DnsRecord(name, type, ttl, data));
        }

        public void AddSrv(string name, int port, string target)
        {
            _names.Add(name);
            if (!_srv.TryGetValue(name, out var list)) _srv[name] = list = [];
            if (_seenSrv.Add((name, port, target))) list.Add((port, target));
        }

        public FrozenDictionary<string, DnsNode> Freeze(string domain)
        {
            foreach (var (name, targets) in _srv)
            {
                // CoreDNS: priority 0, and the 100 weight shared evenly by the RRs at the name.
                int weight = 100 / targets.Count;
                foreach (var (port, target) in targets)
                    Add(name, DnsType.SRV, string.Create(CultureInfo.InvariantCulture, $"0 {weight} {port} {target}"));
            }

            // Every ancestor up to its origin exists as an empty non-terminal.
            var all = new HashSet<string>(_names, StringComparer.Ordinal) { domain };
            var walked = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in _names)
            {
                string origin = DnsNames.IsAtOrBelow(name, domain) ? domain
                    : DnsNames.IsAtOrBelow(name, DnsNames.ReverseV4) ? DnsNames.ReverseV4 : DnsNames.ReverseV6;
                // Once a parent has been walked from, everything above it is already in.
                for (var p = DnsNames.Parent(name); p is not null && DnsNames.IsAtOrBelow(p, origin) && walked.Add(p); p = DnsNames.Parent(p))
                    all.Add(p);
            }

            var nodes = new Dictionary<string, DnsNode>(all.Count, StringComparer.Ordinal);
            foreach (var name in all)
            {
                DnsRecord[] recs = _records.TryGetValue(name, out var list) ? [.. list] : [];
                SortByTypeStable(recs);
                nodes[name] = new DnsNode(name, recs);
            }
            return nodes.ToFrozenDictionary(StringComparer.Ordinal);
        }

        // Insertion sort: a name holds a handful of records, and insertion order within a type must stay.
        private static void SortByTypeStable(DnsRecord[] recs)
        {
            for (int i = 1; i < recs.Length; i++)
            {
                var r = recs[i];
                int j = i - 1;
                while (j >= 0 && recs[j].Type > r.Type) { recs[j + 1] = recs[j]; j--; }
                recs[j + 1] = r;
            }
        }
    }
}
