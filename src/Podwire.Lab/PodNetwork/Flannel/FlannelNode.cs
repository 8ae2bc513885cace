using Podwire.Datapath.Kernel;
using Podwire.Lab.Dataplane;
using Podwire.Lab.Topology;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Lab.PodNetwork.Flannel;

/// <summary>
/// What both Flannel backends do the same way on a node: pods on the <c>cni0</c> bridge with a
/// host-local style IPAM on the node's lease (its podCIDR, the bridge at .1), and Flannel's ipMasq
/// (pod traffic leaving the pod network takes the node's address).
/// </summary>
internal static class FlannelNode
{
    /// <summary>The node's lease: Flannel gives each node exactly one subnet (the NodeSubnets IPAM).</summary>
    public static Cidr Subnet(NodePlan node) =>
        node.PodCidrs.Count > 0 ? node.PodCidrs[0] : throw new InvalidOperationException($"node {node.Name} has no pod subnet (Flannel needs one per node)");

    public static void Masquerade(LabPlan plan, NodeScript s)
    {
        s.Nft.Add("table ip podwire-masq {");
        s.Nft.Add("  chain postrouting {");
        s.Nft.Add("    type nat hook postrouting priority srcnat; policy accept;");
        s.Nft.Add($"    ip saddr {plan.ClusterCidr} ip daddr {plan.ClusterCidr} return");
        s.Nft.Add($"    ip saddr {plan.ClusterCidr} ip daddr != 224.0.0.0/4 masquerade fully-random");
        s.Nft.Add("  }");
        s.Nft.Add("}");
    }

    /// <summary>
    /// The conflist (CNI spec 1.1 network config). Hairpin mode as kubelet's default
    /// hairpin-veth: a pod reaching itself through a Service is DNATed back out of the port it came in on.
    /// </summary>
    public static string ConfList(LabPlan plan, NodePlan node, string ipamDir)
    {
        var subnet = Subnet(node);
        var gateway = subnet.AddressAt(1);
        if (plan.Options.ReferenceCni)
            return $$$"""
                {"cniVersion":"1.0.0","name":"podwire","plugins":[{"type":"bridge","bridge":"{{{LabNames.PodBridge}}}","isGateway":true,"hairpinMode":true,"mtu":{{{node.PodMtu}}},"ipam":{"type":"host-local","dataDir":"{{{ipamDir}}}","ranges":[[{"subnet":"{{{subnet}}}","gateway":"{{{gateway}}}"}]],"routes":[{"dst":"0.0.0.0/0"}]}}]}
                """;
        return $$$"""
            {"cniVersion":"1.1.0","name":"podwire","plugins":[{"type":"podwire-cni","bridge":"{{{LabNames.PodBridge}}}","hairpinMode":true,"mtu":{{{node.PodMtu}}},"ipam":{"type":"podwire-ipam","subnet":"{{{subnet}}}","gateway":"{{{gateway}}}","dataDir":"{{{ipamDir}}}"}}]}
            """;
    }
}

/// <summary>
/// What the two Flannel backends declare alike: the NodeSubnets IPAM, the bridge conflist, no
/// agents (leases are computed, not watched), no components of their own, nothing outside the
/// lab's namespaces. Each backend adds how nodes reach each other.
/// </summary>
public abstract class FlannelNetwork : IPodNetwork
{
    public abstract string Name { get; }
    public abstract string Summary { get; }
    public PodIpamScheme Ipam => PodIpamScheme.NodeSubnets;
    public abstract PodNetworkCapabilities Capabilities { get; }
    public abstract int MtuOverhead { get; }
    public abstract uint? GsoMaxSize { get; }
    public abstract void RenderNode(LabPlan plan, NodePlan node, NodeScript script);
    public abstract void RenderPeers(LabPlan plan, NodePlan node, IReadOnlyList<NodePlan> joined, IReadOnlyList<NodePlan> left, NodeScript script);
    public string ConfList(LabPlan plan, NodePlan node, string ipamDir) => FlannelNode.ConfList(plan, node, ipamDir);
    public IReadOnlyList<IPodNetworkAgent> Agents(LabPlan plan, NodePlan node, AgentContext context) => [];
    public IReadOnlyList<IDataplaneComponent> Components(DataplaneContext context) => [];
    public void Teardown(LabNames names, LabPaths paths) { }
}
