using System.Net;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Controllers;

/// <summary>
/// Nodes as kube-controller-manager's range allocator and the lab's underlay see them.
/// Why: a manifest set usually has no Node objects, yet pod IPs, DaemonSets and kube-proxy's
/// view all need nodes, each with a pod CIDR and an underlay address. Whatever the input gives
/// is kept; the rest is allocated first-free in node-name order, so the result is stable.
/// </summary>
public static class NodeController
{
    public const string HostnameLabel = "kubernetes.io/hostname";

    public static IReadOnlyList<Node> Derive(IReadOnlyList<Node> input, ClusterOptions options) => Derive(input, options, []);

    /// <param name="pods">Pods whose given addresses (status.podIP) the node subnets should cover.</param>
    public static IReadOnlyList<Node> Derive(IReadOnlyList<Node> input, ClusterOptions options, IReadOnlyList<Pod> pods)
    {
        var preferred = PreferredSubnets(pods, options);
        int generate = options.GeneratedNodesFixed ? options.GeneratedNodes : Math.Max(options.GeneratedNodes, preferred.Count);
        var nodes = input.Count > 0 ? Ordering.Sorted(input, static (a, b) => Ordering.CompareNodeNames(a.Name, b.Name)) : Generate(generate);
        nodes = AssignPodCidrs(nodes, options.ClusterCidr, options.NodeCidrMaskSize, preferred);
        nodes = AssignInternalIPs(nodes, options.NodeNetwork);
        for (int i = 0; i < nodes.Length; i++)
        {
            // kubelet always registers its hostname label; selectors (DaemonSets, topology) rely on it.
            if (!nodes[i].Labels.ContainsKey(HostnameLabel))
                nodes[i] = nodes[i] with { Labels = nodes[i].Labels.With(HostnameLabel, nodes[i].Name) };
        }
        return nodes;
    }

    private static Node[] Generate(int count)
    {
        var nodes = new Node[Math.Max(0, count)];
        for (int i = 0; i < nodes.Length; i++)
        {
            string name = "node-" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            nodes[i] = new Node(name, Labels.Of((HostnameLabel, name)), null, [], null, true, SourceLocation.Generated);
        }
        return nodes;
    }

    /// <summary>
    /// The node-sized subnets that hold addresses pods were given (status.podIP), in address order:
    /// a pod's address is routed to the node owning its subnet, so those subnets are handed out
    /// first, as they were in the cluster the manifests came from.
    /// </summary>
    private static List<Cidr> PreferredSubnets(IReadOnlyList<Pod> pods, ClusterOptions options)
    {
        var result = new SortedDictionary<UInt128, Cidr>();
        foreach (var p in pods)
        {
            if (p.HostNetwork || p.PodIP is null || !IPAddress.TryParse(p.PodIP, out var ip) || !options.ClusterCidr.Contains(ip)) continue;
            if (options.NodeCidrMaskSize < options.ClusterCidr.PrefixLength || options.NodeCidrMaskSize > options.ClusterCidr.Bits) continue;
            var subnet = new Cidr(IpMath.Mask(ip, options.NodeCidrMaskSize), options.NodeCidrMaskSize);
            result.TryAdd(IpMath.ToValue(subnet.Network), subnet);
        }
        return [.. result.Values];
    }

    private static Node[] AssignPodCidrs(Node[] nodes, Cidr cluster, int maskSize, List<Cidr> preferred)
    {
        var taken = new List<Cidr>();
        foreach (var n in nodes)
        {
            foreach (var c in GivenCidrs(n))
                if (Cidr.TryParse(c, out var parsed)) taken.Add(parsed);
        }
        bool canAllocate = maskSize >= cluster.PrefixLength && maskSize <= cluster.Bits;
        UInt128 count = canAllocate ? (maskSize - cluster.PrefixLength >= 127 ? UInt128.MaxValue : (UInt128)1 << (maskSize - cluster.PrefixLength)) : 0;
        UInt128 next = 0;
        var result = new Node[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            var n = nodes[i];
            var given = GivenCidrs(n);
            if (given.Count > 0)
            {
                result[i] = n with { PodCidr = n.PodCidr ?? given[0], PodCidrs = given };
                continue;
            }
            string? allocated = null;
            while (preferred.Count > 0 && allocated is null)
            {
                var candidate = preferred[0];
                preferred.RemoveAt(0);
                if (!OverlapsAny(candidate, taken)) { allocated = candidate.ToString(); taken.Add(candidate); }
            }
            while (allocated is null && next < count)
            {
                var candidate = cluster.Subnet(maskSize, next++);
                if (!OverlapsAny(candidate, taken)) { allocated = candidate.ToString(); taken.Add(candidate); break; }
            }
            // An exhausted cluster CIDR leaves the node without pods addresses rather than failing the whole derivation.
            result[i] = allocated is null ? n : n with { PodCidr = allocated, PodCidrs = [allocated] };
        }
        return result;
    }

    internal static IReadOnlyList<string> GivenCidrs(Node n) =>
        n.PodCidrs.Count > 0 ? n.PodCidrs : n.PodCidr is { Length: > 0 } c ? [c] : [];

    private static bool OverlapsAny(Cidr candidate, List<Cidr> taken)
    {
        foreach (var t in taken) if (t.Overlaps(candidate)) return true;
        return false;
    }

    private static Node[] AssignInternalIPs(Node[] nodes, Cidr network)
    {
        var taken = new HashSet<IPAddress>();
        foreach (var n in nodes)
            if (n.InternalIP is not null && IPAddress.TryParse(n.InternalIP, out var ip)) taken.Add(ip);
        UInt128 last = LastUsableOffset(network);
        UInt128 offset = 2; // .1 is the underlay gateway (the lab's switch address)
        var result = new Node[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            var n = nodes[i];
            if (n.InternalIP is not null) { result[i] = n; continue; }
            string? allocated = null;
            while (offset <= last)
            {
                var candidate = network.AddressAt(offset++);
                if (!taken.Contains(candidate)) { allocated = candidate.ToString(); break; }
            }
            result[i] = n with { InternalIP = allocated };
        }
        return result;
    }

    /// <summary>The highest host offset: the broadcast address is excluded for IPv4; a /31 or /32 has none left.</summary>
    public static UInt128 LastUsableOffset(Cidr cidr)
    {
        UInt128 size = cidr.Size;
        if (cidr.IsIPv4) return size >= 4 ? size - 2 : 0;
        return size >= 2 ? size - 1 : 0;
    }
}
