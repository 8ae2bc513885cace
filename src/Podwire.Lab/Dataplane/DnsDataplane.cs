using System.Net;
using System.Net.Sockets;
using Podwire.Controllers;
using Podwire.Controllers.Dns;
using Podwire.Datapath;
using Podwire.Dns;
using Podwire.Lab.Topology;
using Podwire.Semantics.Dns;

namespace Podwire.Lab.Dataplane;

/// <summary>
/// Cluster DNS in the lab: a <see cref="DnsServer"/> per node answering on the kube-dns ClusterIP,
/// and every pod's resolv.conf as kubelet writes it.
/// </summary>
/// <remarks>
/// Design note. A real cluster runs CoreDNS pods behind the kube-dns Service, reached through
/// kube-proxy. The lab follows the other common production layout instead, NodeLocal DNSCache's:
/// each node namespace holds the kube-dns ClusterIP on its loopback and answers there itself, and
/// a raw-priority NOTRACK rule (as node-local-dns installs) keeps those packets away from the
/// service proxy's DNAT and its no-endpoints reject. Pods route everything to their node, so a
/// query to the ClusterIP is delivered locally, whether or not the service proxy is running,
/// synced, or has a kube-dns Service at all; no pod has to be invented in the model, and DNS
/// keeps working while the proxy resyncs. The daemon is one process: the sockets are opened
/// inside each node namespace (setns) and served by that process, so an update is one snapshot
/// swap for every node, done before <see cref="Sync"/> returns.
/// resolv.conf goes to /etc/netns/&lt;pod netns&gt;/, which <c>ip netns exec</c> (so
/// <c>podwire exec</c> and pod workloads) bind-mounts over /etc/resolv.conf; teardown removes
/// those folders with the namespaces.
/// </remarks>
public sealed class DnsDataplane(ICommandRunner runner, TextWriter log) : IDataplaneComponent, IDisposable
{
    /// <summary>The nftables table each node namespace gets for the NOTRACK rules.</summary>
    public const string Table = "podwire-dns";
    private readonly Dictionary<string, (DnsServer Server, string Address)> _servers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _resolvConf = new(StringComparer.Ordinal);

    public string Name => "cluster-dns";

    public void Sync(DerivedCluster cluster, LabPlan plan)
    {
        var zone = DnsZoneBuilder.Build(cluster);
        var snapshot = DnsSnapshot.Build(zone);
        string address = zone.ServerAddress;
        if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
        {
            log.WriteLine($"cluster-dns: the DNS address {address} is not IPv4; the lab serves IPv4 only");
            return;
        }

        var nodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in plan.Nodes)
        {
            nodes.Add(node.Netns);
            if (_servers.TryGetValue(node.Netns, out var s) && s.Address == address)
            {
                s.Server.Update(snapshot);
                continue;
            }
            if (s.Server is not null) s.Server.Dispose();
            _servers.Remove(node.Netns);
            try
            {
                Expose(node.Netns, address);
                var netns = node.Netns;
                var options = new DnsServerOptions(new IPEndPoint(ip, 53), [], UdpLoops: 1) { OpenSocket = make => Netns.RunIn(netns, make) };
                _servers[node.Netns] = (DnsServer.Start(options, snapshot), address);
            }
            catch (Exception e) when (e is DatapathException or SocketException)
            {
                log.WriteLine($"cluster-dns: {node.Name}: {e.Message}");
            }
        }
        foreach (var gone in _servers.Keys.Where(k => !nodes.Contains(k)).ToList())
        {
            _servers[gone].Server.Dispose();
            _servers.Remove(gone);
        }

        var pods = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in plan.Pods)
        {
            pods.Add(p.Netns);
            string text = "# Kubernetes-managed resolv.conf (podwire lab).\n" + ResolvConf.For(p.Pod, cluster).ToFileText();
            if (_resolvConf.TryGetValue(p.Netns, out var old) && old == text) continue;
            var dir = LabPaths.EtcNetns(p.Netns);
            if (!Directory.Exists(dir)) continue; // the pod is not attached (yet)
            var tmp = Path.Combine(dir, ".resolv.conf.tmp");
            File.WriteAllText(tmp, text);
            File.Move(tmp, Path.Combine(dir, "resolv.conf"), overwrite: true);
            _resolvConf[p.Netns] = text;
        }
        foreach (var gone in _resolvConf.Keys.Where(k => !pods.Contains(k)).ToList()) _resolvConf.Remove(gone);
    }

    // The ClusterIP on the node's loopback, and NOTRACK so neither DNAT nor reject sees it.
    private void Expose(string netns, string address)
    {
        new IpBatch(netns).Add("link set lo up").Add($"addr replace {address}/32 dev lo").Apply(runner);
        string rules = $"""
            add table ip {Table}
            delete table ip {Table}
            table ip {Table} {'{'}
              chain prerouting {'{'}
                type filter hook prerouting priority raw; policy accept;
                ip daddr {address} udp dport 53 notrack
                ip daddr {address} tcp dport 53 notrack
              {'}'}
              chain output {'{'}
                type filter hook output priority raw; policy accept;
                ip saddr {address} udp sport 53 notrack
                ip saddr {address} tcp sport 53 notrack
              {'}'}
            {'}'}

            """;
        var r = runner.Run("ip", ["netns", "exec", netns, "nft", "-f", "-"], rules);
        if (!r.Ok) throw new DatapathException($"nft in {netns} failed: {r.Stderr.Trim()}");
    }

    public void Dispose()
    {
        foreach (var (_, s) in _servers) s.Server.Dispose();
        _servers.Clear();
    }
}
