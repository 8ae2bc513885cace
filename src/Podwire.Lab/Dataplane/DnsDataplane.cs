using Podwire.Controllers.AddOns;
using System.Net;
using System.Net.Sockets;
using Podwire.Controllers;
using Podwire.Controllers.Dns;
using Podwire.Datapath;
using Podwire.Dns;
using Podwire.Lab.Daemon;
using Podwire.Lab.Topology;
using Podwire.Semantics.Dns;

namespace Podwire.Lab.Dataplane;

/// <summary>
/// Cluster DNS in the lab: a <see cref="DnsServer"/> in every pod of the <c>kube-system/coredns</c>
/// add-on (<see cref="Podwire.Controllers.AddOns.LabAddOns"/>), reached through the <c>kube-system/kube-dns</c> Service and
/// the service proxy, and every pod's resolv.conf as kubelet writes it.
/// </summary>
/// <remarks>
/// Design note. This is a real cluster's layout: CoreDNS pods with pod IPs from their node's
/// range, selected by kube-dns, load-balanced by kube-proxy's DNAT; so queries cross the pod
/// network and the proxy, and NetworkPolicy applies to them exactly as in a cluster (an egress
/// default-deny cuts a pod off from DNS unless a policy allows UDP/TCP 53 to the DNS pods).
/// It differs from CoreDNS in being one process: the daemon opens each DNS pod's sockets inside
/// that pod's namespace (setns) and serves them all from one immutable snapshot, so an update is
/// one snapshot swap for every DNS pod, done before <see cref="Sync"/> returns.
/// resolv.conf goes to /etc/netns/&lt;pod netns&gt;/, which <c>ip netns exec</c> (so
/// <c>podwire exec</c> and pod workloads) bind-mounts over /etc/resolv.conf; teardown removes
/// those folders with the namespaces.
/// </remarks>
public sealed class DnsDataplane(TextWriter log, string etcNetnsRoot = "/etc/netns") : IDataplaneComponent, IDisposable
{
    private readonly Dictionary<string, (DnsServer Server, string Address)> _servers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _resolvConf = new(StringComparer.Ordinal);

    public string Name => "cluster-dns";

    /// <summary>The DNS pods served now, by pod netns.</summary>
    public IReadOnlyCollection<string> Serving => _servers.Keys;

    public void Sync(DerivedCluster cluster, LabPlan plan)
    {
        var snapshot = DnsSnapshot.Build(DnsZoneBuilder.Build(cluster));
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in plan.Pods)
        {
            if (p.Pod.Annotations.Get(LabAddOns.ComponentAnnotation) != LabAddOns.DnsComponent) continue;
            live.Add(p.Netns);
            if (_servers.TryGetValue(p.Netns, out var s) && s.Address == p.IP)
            {
                s.Server.Update(snapshot);
                continue;
            }
            s.Server?.Dispose();
            _servers.Remove(p.Netns);
            if (!IPAddress.TryParse(p.IP, out var ip)) continue;
            try
            {
                var netns = p.Netns;
                var options = new DnsServerOptions(new IPEndPoint(ip, 53), [], UdpLoops: 1) { OpenSocket = make => Netns.RunIn(netns, make) };
                _servers[p.Netns] = (DnsServer.Start(options, snapshot), p.IP);
            }
            catch (Exception e) when (e is DatapathException or SocketException)
            {
                log.WriteLine($"cluster-dns: {p.Key}: {e.Message}");
            }
        }
        foreach (var gone in _servers.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _servers[gone].Server.Dispose();
            _servers.Remove(gone);
        }

        var pods = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in plan.Pods)
        {
            pods.Add(p.Netns);
            string text = "# Kubernetes-managed resolv.conf (podwire lab).\n" + ResolvConf.For(p.Pod, cluster).ToFileText();
            var dir = Path.Combine(etcNetnsRoot, p.Netns);
            // A pod removed and added again under the same name (an apply that changed it) has a new folder.
            if (_resolvConf.TryGetValue(p.Netns, out var old) && old == text && File.Exists(Path.Combine(dir, "resolv.conf"))) continue;
            if (!Directory.Exists(dir)) continue; // the pod is not attached (yet)
            var tmp = Path.Combine(dir, ".resolv.conf.tmp");
            File.WriteAllText(tmp, text);
            File.Move(tmp, Path.Combine(dir, "resolv.conf"), overwrite: true);
            _resolvConf[p.Netns] = text;
        }
        foreach (var gone in _resolvConf.Keys.Where(k => !pods.Contains(k)).ToList()) _resolvConf.Remove(gone);
    }

    public void Dispose()
    {
        foreach (var (_, s) in _servers) s.Server.Dispose();
        _servers.Clear();
    }
}
