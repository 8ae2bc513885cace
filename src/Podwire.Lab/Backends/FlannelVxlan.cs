using Podwire.Lab.Topology;

namespace Podwire.Lab.Backends;

/// <summary>
/// Design note — follows Flannel's vxlan backend (flannel-io/flannel pkg/backend/vxlan): one VXLAN
/// device per node (<c>flannel.1</c>, VNI 1, UDP 8472, <c>nolearning</c>) holding the node's pod
/// subnet network address as a /32; for every other node a route to its pod subnet via that
/// node's VTEP address on the device (<c>onlink</c>), a permanent neighbour entry mapping the VTEP
/// address to the remote VTEP MAC, and a static FDB entry sending that MAC to the remote node's
/// underlay address. Unlike Flannel, leases are not watched through the API server: the lab
/// computes them from the derived cluster, and the VTEP MAC is derived from the node name so a
/// rebuilt lab gets the same one. The pod MTU is the underlay MTU − 50 (VXLAN's overhead).
/// The encapsulated packets themselves (UDP 8472 between node addresses) are not tracked, as
/// Calico does for its VXLAN: conntrack still sees every pod packet inside the tunnel, where the
/// proxy and policy need it, and a second lookup per packet for the outer header buys nothing.
/// </summary>
public sealed class FlannelVxlan : IBackend
{
    public const int Vni = 1;
    public const int Port = 8472;
    public const string NotrackTable = "podwire-vxlan";

    public string Name => "flannel-vxlan";
    public int MtuOverhead => 50;

    public void Render(LabPlan plan, NodePlan node, NodeScript script)
    {
        var dev = LabNames.VxlanDevice;
        script.Ip.Add($"link add {dev} type vxlan id {Vni} dev {LabNames.NodeUplink} local {node.UnderlayIP} dstport {Port} nolearning");
        script.Ip.Add($"link set {dev} address {node.VtepMac} mtu {node.PodMtu} up");
        script.Ip.Add($"addr add {node.PodCidr.Network}/32 dev {dev}");
        foreach (var remote in plan.Nodes)
        {
            if (remote.Name == node.Name) continue;
            var vtep = remote.PodCidr.Network.ToString();
            script.Ip.Add($"neigh replace {vtep} lladdr {remote.VtepMac} dev {dev} nud permanent");
            script.Ip.Add($"route replace {remote.PodCidr} via {vtep} dev {dev} onlink");
            script.Bridge.Add($"fdb append {remote.VtepMac} dev {dev} dst {remote.UnderlayIP}");
        }
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
    }
}
