using Podwire.Datapath.Kernel;
using Podwire.Lab.PodNetwork;

namespace Podwire.Lab.Topology;

/// <summary>
/// Renders the lab plan into per-namespace scripts: the underlay switch, each node's uplink and
/// forwarding, and (through <see cref="IPodNetwork"/>) the pod network's devices, routes and
/// filtering. Pure: no kernel access.
/// </summary>
public static class LabRenderer
{
    /// <summary>Lines for the host's <c>ip -batch</c>: only namespace creation happens outside the lab's namespaces.</summary>
    public static IEnumerable<string> CreateNamespaces(LabPlan plan) =>
        new[] { plan.Names.UnderlayNetns }.Concat(plan.Nodes.Select(n => n.Netns)).Select(n => $"netns add {n}");

    public static NodeScript Underlay(LabPlan plan)
    {
        var s = new NodeScript(plan.Names.UnderlayNetns);
        s.Ip.Add("link set lo up");
        s.Ip.Add($"link add {LabNames.UnderlayBridge} type bridge");
        s.Ip.Add($"link set {LabNames.UnderlayBridge} mtu {plan.Options.UnderlayMtu} up");
        s.Ip.Add($"addr add {plan.UnderlayGateway}/{plan.UnderlayCidr.PrefixLength} dev {LabNames.UnderlayBridge}");
        foreach (var n in plan.Nodes) s.Ip.AddRange(UnderlayPort(plan, n).Ip);
        return s;
    }

    /// <summary>A node as the lab core makes it (uplink, forwarding, default route), then what its pod network adds.</summary>
    public static NodeScript Node(LabPlan plan, NodePlan node, IPodNetwork network)
    {
        var s = new NodeScript(node.Netns);
        s.Sysctls["net/ipv4/ip_forward"] = "1";
        s.Ip.Add("link set lo up");
        s.Ip.Add($"addr add {node.UnderlayIP}/{node.UnderlayPrefix} dev {LabNames.NodeUplink}");
        s.Ip.Add($"link set {LabNames.NodeUplink} up");
        // Like a real node, a default route: node-originated traffic to Service addresses needs a
        // route before the proxy's output hook can rewrite it. It ends at the underlay switch,
        // which has no way out of the lab.
        s.Ip.Add($"route add default via {plan.UnderlayGateway} dev {LabNames.NodeUplink}");
        network.RenderNode(plan, node, s);
        return s;
    }

    /// <summary>The underlay port of a node that joins a running lab (the switch already exists).</summary>
    public static NodeScript UnderlayPort(LabPlan plan, NodePlan n)
    {
        var s = new NodeScript(plan.Names.UnderlayNetns);
        s.Ip.Add($"link add {n.UnderlayPort} mtu {plan.Options.UnderlayMtu} type veth peer name {LabNames.NodeUplink} netns {n.Netns}");
        s.Ip.Add($"link set {n.UnderlayPort} master {LabNames.UnderlayBridge} up");
        return s;
    }
}
