using Podwire.Controllers;
using Podwire.Controllers.Ipam;
using Podwire.Lab.PodNetwork;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Lab.Topology;

/// <summary>Lab settings chosen at <c>up</c>.</summary>
public sealed record LabOptions(string Cluster, string Backend, bool ReferenceCni = false, int UnderlayMtu = 1500);

/// <summary>
/// A node as the lab builds it: its namespace, underlay address, its share of the pod network
/// (the IPAM scheme's: one subnet per node for Flannel, none for a cluster pool) and the pod MTU.
/// Nothing backend-specific: a backend derives what it needs (a VTEP MAC, a bridge address) from these.
/// </summary>
public sealed record NodePlan(
    string Name,
    string Netns,
    string UnderlayPort,
    string UnderlayIP,
    int UnderlayPrefix,
    IReadOnlyList<Cidr> PodCidrs,
    int PodMtu);

/// <summary>A pod as the lab builds it: namespace, node, address, and the runtime's container ID.</summary>
public sealed record PodPlan(string Namespace, string Name, string Netns, string Node, string IP, int Prefix, string ContainerId, Pod Pod)
{
    public string Key => $"{Namespace}/{Name}";
}

/// <summary>
/// The whole lab derived from the cluster: pure data, computed the same way every time, so the
/// builder, <c>down</c>, <c>apply</c> and golden tests all agree on names and addresses.
/// </summary>
public sealed record LabPlan(LabOptions Options, LabNames Names, Cidr UnderlayCidr, string UnderlayGateway,
    IReadOnlyList<NodePlan> Nodes, IReadOnlyList<PodPlan> Pods, Cidr ClusterCidr)
{
    /// <summary>
    /// Pods the lab cannot wire as given: an address (status.podIP) the pod network's IPAM cannot
    /// route where the pod runs (for Flannel, outside its node's subnet).
    /// </summary>
    public static IReadOnlyList<string> Unroutable(DerivedCluster cluster) =>
        PodIpams.For(cluster.Options).Unroutable(cluster.Nodes, cluster.Pods);

    public static LabPlan Build(DerivedCluster cluster, LabOptions options, IPodNetwork network)
    {
        var names = new LabNames(options.Cluster);
        var underlay = cluster.Options.NodeNetwork;
        var nodes = new List<NodePlan>();
        foreach (var n in cluster.Nodes)
        {
            var cidrs = new List<Cidr>();
            foreach (var text in NodeSubnetIpam.GivenCidrs(n)) if (Cidr.TryParse(text, out var c)) cidrs.Add(c);
            // A node the per-node-subnet IPAM could give no subnet (cluster CIDR exhausted) runs no pods.
            if (n.InternalIP is null || (network.Ipam == PodIpamScheme.NodeSubnets && cidrs.Count == 0)) continue;
            nodes.Add(new NodePlan(n.Name, names.NodeNetns(n.Name), names.UnderlayPort(n.Name), n.InternalIP, underlay.PrefixLength,
                cidrs, options.UnderlayMtu - network.MtuOverhead));
        }
        var byNode = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var pods = new List<PodPlan>();
        foreach (var p in cluster.Pods)
        {
            // hostNetwork pods share their node's namespace; pods without a node or IP are Pending.
            if (p.HostNetwork || p.NodeName is null || p.PodIP is null || !byNode.TryGetValue(p.NodeName, out var node)) continue;
            if (p.Phase is "Succeeded" or "Failed") continue;
            pods.Add(new PodPlan(p.Namespace, p.Name, names.PodNetns(p.Namespace, p.Name), node.Name, p.PodIP,
                PrefixOf(p.PodIP, node), names.ContainerId(p.Namespace, p.Name), p));
        }
        return new LabPlan(options, names, underlay, underlay.AddressAt(1).ToString(), nodes, pods, cluster.Options.ClusterCidr);
    }

    // The pod's interface gets the prefix of the node range holding its address, else a host route's.
    private static int PrefixOf(string ip, NodePlan node)
    {
        var addr = System.Net.IPAddress.Parse(ip);
        foreach (var c in node.PodCidrs) if (c.Contains(addr)) return c.PrefixLength;
        return addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
    }
}
