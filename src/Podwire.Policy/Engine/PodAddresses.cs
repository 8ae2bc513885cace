using System.Net;
using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Policy.Engine;

/// <summary>
/// Where each pod sits on the network: its address (a hostNetwork pod uses its node's, SPECS
/// 1.1.12) and its node's address, plus the reverse lookups from an address.
/// </summary>
internal sealed class PodAddresses
{
    private readonly IPAddress?[] _podIp;
    private readonly IPAddress?[] _nodeIp;
    private readonly Dictionary<IPAddress, int> _podByIp = [];
    private readonly Dictionary<IPAddress, string> _nodeByIp = [];
    private readonly Dictionary<string, IPAddress> _ipByNode = new(StringComparer.Ordinal);

    public PodAddresses(DerivedCluster cluster)
    {
        foreach (var node in cluster.Nodes)
            if (node.InternalIP is { } s && IPAddress.TryParse(s, out var ip))
            {
                _nodeByIp.TryAdd(ip, node.Name);
                _ipByNode.TryAdd(node.Name, ip);
            }
        var pods = cluster.Pods;
        _podIp = new IPAddress?[pods.Count];
        _nodeIp = new IPAddress?[pods.Count];
        for (int i = 0; i < pods.Count; i++)
        {
            var pod = pods[i];
            var nodeIp = pod.NodeName is { } n && _ipByNode.TryGetValue(n, out var nip) ? nip : null;
            _nodeIp[i] = nodeIp;
            var ip = pod.PodIP is { } p && IPAddress.TryParse(p, out var pip) ? pip : null;
            if (pod.HostNetwork)
            {
                ip ??= nodeIp;
                if (ip is not null && pod.NodeName is { } nn) _nodeByIp.TryAdd(ip, nn);
            }
            else if (ip is not null) _podByIp.TryAdd(ip, i);
            _podIp[i] = ip;
        }
    }

    public IPAddress? PodIp(int podIndex) => _podIp[podIndex];
    public IPAddress? NodeIpOfPod(int podIndex) => _nodeIp[podIndex];

    /// <summary>The (non-hostNetwork) pod that owns this address, or -1.</summary>
    public int PodAt(IPAddress ip) => _podByIp.TryGetValue(ip, out int i) ? i : -1;

    /// <summary>The node that owns this address (its InternalIP, or a hostNetwork pod on it), or null.</summary>
    public string? NodeAt(IPAddress ip) => _nodeByIp.GetValueOrDefault(ip);
}
