using System.Net;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Controllers.Ipam;

/// <summary>
/// Per-node subnets, as Flannel runs on Kubernetes: kube-controller-manager's range allocator
/// gives each node a podCIDR (first free in node-name order, NodeCidrMaskSize wide) and the
/// node's host-local IPAM hands out its addresses from .2 up (.1 is the node's bridge). Pods
/// that carry addresses (status.podIP) make the subnets holding them go first, to the first
/// nodes, as in the cluster the manifests came from.
/// </summary>
public sealed class NodeSubnetIpam : IPodIpam
{
    public PodIpamScheme Scheme => PodIpamScheme.NodeSubnets;

    public int NodesWanted(IReadOnlyList<Pod> pods, ClusterOptions options) => PreferredSubnets(pods, options).Count;

    public Node[] AssignNodes(Node[] nodes, ClusterOptions options, IReadOnlyList<Pod> pods)
    {
        var cluster = options.ClusterCidr;
        int maskSize = options.NodeCidrMaskSize;
        var preferred = PreferredSubnets(pods, options);
        var taken = new List<Cidr>();
        foreach (var n in nodes)
            foreach (var c in GivenCidrs(n))
                if (Cidr.TryParse(c, out var parsed)) taken.Add(parsed);
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
            // An exhausted cluster CIDR leaves the node without pod addresses rather than failing the whole derivation.
            result[i] = allocated is null ? n : n with { PodCidr = allocated, PodCidrs = [allocated] };
        }
        return result;
    }

    public int OwnerOf(IPAddress ip, IReadOnlyList<Node> nodes)
    {
        for (int n = 0; n < nodes.Count; n++)
            foreach (var text in GivenCidrs(nodes[n]))
                if (Cidr.TryParse(text, out var cidr) && cidr.Contains(ip)) return n;
        return -1;
    }

    public bool Fits(IReadOnlyList<string> ips, Node node)
    {
        var cidrs = GivenCidrs(node);
        foreach (var t in ips)
        {
            if (!IPAddress.TryParse(t, out var ip)) return false;
            bool inside = false;
            foreach (var text in cidrs) inside |= Cidr.TryParse(text, out var cidr) && cidr.Contains(ip);
            if (!inside) return false;
        }
        return true;
    }

    public IPodAddressAllocator Allocator(IReadOnlyList<Node> nodes, HashSet<IPAddress> taken) => new SubnetAllocator(nodes, taken);

    public IReadOnlyList<string> Unroutable(IReadOnlyList<Node> nodes, IReadOnlyList<Pod> pods)
    {
        var subnets = new Dictionary<string, Cidr>(StringComparer.Ordinal);
        foreach (var n in nodes)
            if (n.PodCidr is not null && Cidr.TryParse(n.PodCidr, out var c)) subnets[n.Name] = c;
        var problems = new List<string>();
        foreach (var p in pods)
        {
            if (p.HostNetwork || p.PodIP is null || p.NodeName is null || !subnets.TryGetValue(p.NodeName, out var subnet)) continue;
            if (!IPAddress.TryParse(p.PodIP, out var ip) || subnet.Contains(ip)) continue;
            problems.Add($"Pod {p.Key}: status.podIP {p.PodIP} is outside the pod subnet {subnet} of its node {p.NodeName}; " +
                         "give more nodes (--nodes N) or Node objects whose podCIDRs hold the pods' addresses");
        }
        return problems;
    }

    public static IReadOnlyList<string> GivenCidrs(Node n) =>
        n.PodCidrs.Count > 0 ? n.PodCidrs : n.PodCidr is { Length: > 0 } c ? [c] : [];

    /// <summary>
    /// The node-sized subnets that hold addresses pods were given, in address order: a pod's
    /// address is routed to the node owning its subnet, so those subnets are handed out first.
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

    private static bool OverlapsAny(Cidr candidate, List<Cidr> taken)
    {
        foreach (var t in taken) if (t.Overlaps(candidate)) return true;
        return false;
    }

    /// <summary>host-local on each node's podCIDRs: first free address from .2, one per family.</summary>
    private sealed class SubnetAllocator : IPodAddressAllocator
    {
        private readonly Pool[][] _pools;
        private readonly HashSet<IPAddress> _taken;

        public SubnetAllocator(IReadOnlyList<Node> nodes, HashSet<IPAddress> taken)
        {
            _taken = taken;
            _pools = new Pool[nodes.Count][];
            for (int i = 0; i < nodes.Count; i++)
            {
                var cidrs = GivenCidrs(nodes[i]);
                var list = new List<Pool>(cidrs.Count);
                foreach (var text in cidrs) if (Cidr.TryParse(text, out var parsed)) list.Add(new Pool(parsed));
                _pools[i] = [.. list];
            }
        }

        public IReadOnlyList<string>? Allocate(int node)
        {
            var pools = _pools[node];
            if (pools.Length == 0) return null;
            var ips = new string[pools.Length];
            for (int i = 0; i < pools.Length; i++)
            {
                var ip = pools[i].Next(_taken);
                // Partial dual-stack allocation is as bad as none: the CNI ADD would fail and the pod stays Pending.
                if (ip is null) return null;
                ips[i] = ip.ToString();
            }
            return ips;
        }

        private sealed class Pool(Cidr cidr)
        {
            private UInt128 _next = 2; // .0 is the network, .1 the node's bridge/gateway
            private readonly UInt128 _last = NodeController.LastUsableOffset(cidr);

            public IPAddress? Next(HashSet<IPAddress> taken)
            {
                while (_next <= _last)
                {
                    var candidate = cidr.AddressAt(_next++);
                    if (taken.Add(candidate)) return candidate;
                }
                return null;
            }
        }
    }
}
