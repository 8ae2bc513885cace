using System.Collections.Frozen;
using System.Net.Sockets;
using Podwire.Model;

namespace Podwire.Controllers.Dns;

/// <summary>
/// The cluster DNS data, as CoreDNS's kubernetes plugin would serve it for
/// <c>kubernetes &lt;zone&gt; in-addr.arpa ip6.arpa</c>: an immutable index from lowercase FQDN
/// (trailing dot) to the records at that name. Every existing name is a key, empty
/// non-terminals included, so "name exists but not this type" (NOERROR, empty) is told apart
/// from "no such name" (NXDOMAIN).
/// The one thing not enumerated is <c>pods insecure</c>: any dashed address under
/// <c>&lt;ns&gt;.pod.&lt;zone&gt;</c> answers, so <see cref="Find"/> synthesizes those nodes.
/// </summary>
public sealed class DnsZone
{
    private readonly FrozenSet<string> _podNamespaces;

    internal DnsZone(string domain, string serverAddress, int ttl, PodRecordsMode podRecords, FrozenDictionary<string, DnsNode> nodes, FrozenSet<string> podNamespaces)
    {
        Domain = domain;
        ServerAddress = serverAddress;
        Ttl = ttl;
        PodRecords = podRecords;
        Nodes = nodes;
        _podNamespaces = podNamespaces;
    }

    /// <summary>The cluster domain as a canonical FQDN, e.g. <c>cluster.local.</c>.</summary>
    public string Domain { get; }
    /// <summary>Where pods send their queries: the kube-dns Service's ClusterIP (kubelet's clusterDNS).</summary>
    public string ServerAddress { get; }
    public int Ttl { get; }
    public PodRecordsMode PodRecords { get; }
    /// <summary>Every enumerated name (lowercase FQDN) → its records.</summary>
    public FrozenDictionary<string, DnsNode> Nodes { get; }

    /// <summary>The origins this zone answers for: the cluster domain and the two reverse trees.</summary>
    public IReadOnlyList<string> Origins => [Domain, DnsNames.ReverseV4, DnsNames.ReverseV6];

    /// <summary>True when the canonical name lies in a tree this server is authoritative for.</summary>
    public bool IsAuthoritative(string fqdn) =>
        DnsNames.IsAtOrBelow(fqdn, Domain) || DnsNames.IsAtOrBelow(fqdn, DnsNames.ReverseV4) || DnsNames.IsAtOrBelow(fqdn, DnsNames.ReverseV6);

    /// <summary>The node at a canonical (lowercase, trailing-dot) name, or null when the name does not exist.</summary>
    public DnsNode? Find(string fqdn)
    {
        if (Nodes.TryGetValue(fqdn, out var node)) return node;
        return PodRecords == PodRecordsMode.Insecure ? SynthesizePod(fqdn) : null;
    }

    /// <summary>Convenience for callers holding user input: canonicalizes first.</summary>
    public DnsNode? FindName(string name) => Find(DnsNames.Canonical(name));

    // pods insecure: "a-b-c-d.<ns>.pod.<zone>." answers a.b.c.d without checking a pod exists,
    // but CoreDNS still requires the namespace to exist.
    private DnsNode? SynthesizePod(string fqdn)
    {
        string suffix = ".pod." + Domain;
        if (!fqdn.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var head = fqdn.AsSpan(0, fqdn.Length - suffix.Length);
        int dot = head.IndexOf('.');
        if (dot <= 0 || head[(dot + 1)..].Contains('.')) return null;
        string ns = head[(dot + 1)..].ToString();
        if (!_podNamespaces.Contains(ns)) return null;
        if (!DnsNames.TryParseDashedIp(head[..dot].ToString(), out var ip) || ip is null) return null;
        var type = ip.AddressFamily == AddressFamily.InterNetwork ? DnsType.A : DnsType.AAAA;
        return new DnsNode(fqdn, [new DnsRecord(fqdn, type, Ttl, ip.ToString())]);
    }
}
