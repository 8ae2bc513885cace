using Podwire.Lab.Topology;

namespace Podwire.Lab.Backends;

/// <summary>
/// Design note — follows Flannel's host-gw backend: no encapsulation, a plain route per remote
/// node sending its pod subnet via that node's underlay address. It needs every node on one L2
/// segment, which the lab's underlay bridge provides. Pod MTU equals the underlay MTU.
/// </summary>
public sealed class FlannelHostGw : IBackend
{
    public string Name => "flannel-host-gw";
    public int MtuOverhead => 0;

    public void Render(LabPlan plan, NodePlan node, NodeScript script)
    {
        foreach (var remote in plan.Nodes)
            if (remote.Name != node.Name)
                script.Ip.Add($"route replace {remote.PodCidr} via {remote.UnderlayIP} dev {LabNames.NodeUplink}");
    }
}
