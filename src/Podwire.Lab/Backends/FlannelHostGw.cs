using Podwire.Lab.Topology;

namespace Podwire.Lab.Backends;

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
/// </summary>
public sealed class FlannelHostGw : IBackend
{
    public const uint BigTcpSize = 196608;

    public string Name => "flannel-host-gw";
    public int MtuOverhead => 0;
    public uint? GsoMaxSize => BigTcpSize;

    public void Render(LabPlan plan, NodePlan node, NodeScript script)
    {
        foreach (var remote in plan.Nodes)
            if (remote.Name != node.Name)
                script.Ip.Add($"route replace {remote.PodCidr} via {remote.UnderlayIP} dev {LabNames.NodeUplink}");
    }
}
