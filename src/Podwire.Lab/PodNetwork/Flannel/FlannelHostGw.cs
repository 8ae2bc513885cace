using Podwire.Datapath.Kernel;
using Podwire.Lab.Topology;

namespace Podwire.Lab.PodNetwork.Flannel;

/// <summary>
/// Design note — follows Flannel's host-gw backend: no encapsulation, a plain route per remote
/// node sending its pod subnet via that node's underlay address. It needs every node on one L2
/// segment, which the lab's underlay bridge provides. Pod MTU equals the underlay MTU.
/// Unlike Flannel, every link of the lab (underlay, node uplinks, cni0, pod veths) gets IPv4 BIG
/// TCP, 192 KiB GSO/GRO packets, as Cilium's enable-ipv4-big-tcp does in native routing: the pod
/// path's extra veths and bridge hops cost per packet, so bigger packets amortise them (measured
/// by bench/lab iperf: with bbr, the default congestion control of the kernel it was built on,
/// pods go from 0.78x to 1.16-1.28x of node-to-node; with cubic from 0.73x to 0.85x, at lower
/// absolute rates, see docs/PERFORMANCE.md). The vxlan backend keeps the default: kernel 6.18's
/// VXLAN takes a 192 KiB GSO size but loses parts of such packets on receive.
/// Leases are not watched through the API server: the lab computes them from the derived
/// cluster (the NodeSubnets IPAM), and flanneld's route sync is <see cref="RenderPeers"/>.
/// </summary>
public sealed class FlannelHostGw : FlannelNetwork
{
    public const string BackendName = "flannel-host-gw";
    public const uint BigTcpSize = 196608;

    public override string Name => BackendName;
    public override string Summary => "Flannel host-gw: a route per node via its underlay address, no encapsulation";
    public override PodNetworkCapabilities Capabilities { get; } = new() { NodeChanges = true };
    public override int MtuOverhead => 0;
    public override uint? GsoMaxSize => BigTcpSize;

    public override void RenderNode(LabPlan plan, NodePlan node, NodeScript script)
    {
        RenderPeers(plan, node, [.. plan.Nodes.Where(n => n.Name != node.Name)], [], script);
        FlannelNode.Masquerade(plan, script);
    }

    public override void RenderPeers(LabPlan plan, NodePlan node, IReadOnlyList<NodePlan> joined, IReadOnlyList<NodePlan> left, NodeScript script)
    {
        foreach (var remote in left)
            script.Ip.Add($"route del {FlannelNode.Subnet(remote)} via {remote.UnderlayIP} dev {LabNames.NodeUplink}");
        foreach (var remote in joined)
            script.Ip.Add($"route replace {FlannelNode.Subnet(remote)} via {remote.UnderlayIP} dev {LabNames.NodeUplink}");
    }
}
