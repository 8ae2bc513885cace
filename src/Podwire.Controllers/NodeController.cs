using System.Net;
using Podwire.Model;
using Podwire.Controllers.Ipam;
using Podwire.Model.Net;

namespace Podwire.Controllers;

/// <summary>
/// Nodes as the control plane and the lab's underlay see them.
/// Why: a manifest set usually has no Node objects, yet pod IPs, DaemonSets and kube-proxy's
/// view all need nodes, each with its share of the pod network (the IPAM scheme's, see
/// <see cref="IPodIpam.AssignNodes"/>) and an underlay address. Whatever the input gives is
/// kept; the rest is allocated first-free in node-name order, so the result is stable.
/// </summary>
public static class NodeController
{
    public const string HostnameLabel = "kubernetes.io/hostname";

    public static IReadOnlyList<Node> Derive(IReadOnlyList<Node> input, ClusterOptions options) => Derive(input, options, []);

    /// <param name="pods">Pods whose given addresses (status.podIP) the nodes' address space should cover.</param>
    /// <param name="pins">What a running cluster gave its nodes (pod CIDRs, InternalIP), kept for nodes the input leaves unassigned.</param>
    public static IReadOnlyList<Node> Derive(IReadOnlyList<Node> input, ClusterOptions options, IReadOnlyList<Pod> pods, Assignments? pins = null)
    {
        var ipam = PodIpams.For(options);
        int generate = options.GeneratedNodesFixed ? options.GeneratedNodes : Math.Max(options.GeneratedNodes, ipam.NodesWanted(pods, options));
        var nodes = input.Count > 0 ? Ordering.Sorted(input, static (a, b) => Ordering.CompareNodeNames(a.Name, b.Name)) : Generate(generate);
        if (pins is not null) nodes = pins.Pin(nodes, options);
        nodes = ipam.AssignNodes(nodes, options, pods);
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
