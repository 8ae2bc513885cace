using Podwire.Datapath.Kernel;
using Podwire.Lab.Topology;

namespace Podwire.Lab.PodNetwork.Flannel;

/// <summary>
/// Design note — follows Flannel's vxlan backend (flannel-io/flannel pkg/backend/vxlan): one VXLAN
/// device per node (<c>flannel.1</c>, VNI 1, UDP 8472, <c>nolearning</c>) holding the node's pod
/// subnet network address as a /32; for every other node a route to its pod subnet via that
/// node's VTEP address on the device (<c>onlink</c>), a permanent neighbour entry mapping the VTEP
/// address to the remote VTEP MAC, and a static FDB entry sending that MAC to the remote node's
/// underlay address. Unlike Flannel, leases are not watched through the API server: the lab
/// computes them from the derived cluster, and the VTEP MAC is derived from the node name so a
/// rebuilt lab gets the same one; flanneld's handling of lease events is <see cref="RenderPeers"/>.
/// The pod MTU is the underlay MTU − 50 (VXLAN's overhead).
/// The encapsulated packets themselves (UDP 8472 between node addresses) are not tracked, as
/// Calico does for its VXLAN: conntrack still sees every pod packet inside the tunnel, where the
/// proxy and policy need it, and a second lookup per packet for the outer header buys nothing.
/// </summary>
public sealed class FlannelVxlan : FlannelNetwork
{
    public const string BackendName = "flannel-vxlan";
    public const int Vni = 1;
    public const int Port = 8472;
    public const string NotrackTable = "podwire-vxlan";

    public override string Name => BackendName;
    public override string Summary => "Flannel vxlan (default): a VXLAN overlay, one device per node, static FDB and neighbour entries";
    public override PodNetworkCapabilities Capabilities { get; } = new() { Encapsulation = true, NodeChanges = true };
    public override int MtuOverhead => 50;
    public override uint? GsoMaxSize => null;

    /// <summary>The VTEP MAC of a node: derived from its name, so a rebuilt lab gets the same one.</summary>
    public static string VtepMac(LabPlan plan, NodePlan node) => LabNames.Mac(plan.Options.Cluster + "/vtep/" + node.Name);

    public override void RenderNode(LabPlan plan, NodePlan node, NodeScript script)
    {
        var dev = LabNames.VxlanDevice;
        script.Ip.Add($"link add {dev} type vxlan id {Vni} dev {LabNames.NodeUplink} local {node.UnderlayIP} dstport {Port} nolearning");
        script.Ip.Add($"link set {dev} address {VtepMac(plan, node)} mtu {node.PodMtu} up");
        script.Ip.Add($"addr add {FlannelNode.Subnet(node).Network}/32 dev {dev}");
        RenderPeers(plan, node, [.. plan.Nodes.Where(n => n.Name != node.Name)], [], script);
        script.Nft.Add($"table ip {NotrackTable} {{");
        script.Nft.Add("  chain prerouting {");
        script.Nft.Add("    type filter hook prerouting priority raw; policy accept;");
        script.Nft.Add($"    ip saddr {plan.UnderlayCidr} ip daddr {node.UnderlayIP} udp dport {Port} notrack");
        script.Nft.Add("  }");
        script.Nft.Add("  chain output {");
        script.Nft.Add("    type filter hook output priority raw; policy accept;");
        script.Nft.Add($"    ip saddr {node.UnderlayIP} ip daddr {plan.UnderlayCidr} udp dport {Port} notrack");
        script.Nft.Add("  }");
        script.Nft.Add("}");
        FlannelNode.Masquerade(plan, script);
    }

    public override void RenderPeers(LabPlan plan, NodePlan node, IReadOnlyList<NodePlan> joined, IReadOnlyList<NodePlan> left, NodeScript script)
    {
        var dev = LabNames.VxlanDevice;
        foreach (var remote in left)
        {
            var subnet = FlannelNode.Subnet(remote);
            script.Ip.Add($"route del {subnet} dev {dev}");
            script.Ip.Add($"neigh del {subnet.Network} dev {dev}");
            script.Bridge.Add($"fdb del {VtepMac(plan, remote)} dev {dev} dst {remote.UnderlayIP}");
        }
        foreach (var remote in joined)
        {
            var subnet = FlannelNode.Subnet(remote);
            var vtep = subnet.Network.ToString();
            script.Ip.Add($"neigh replace {vtep} lladdr {VtepMac(plan, remote)} dev {dev} nud permanent");
            script.Ip.Add($"route replace {subnet} via {vtep} dev {dev} onlink");
            script.Bridge.Add($"fdb append {VtepMac(plan, remote)} dev {dev} dst {remote.UnderlayIP}");
        }
    }
}
