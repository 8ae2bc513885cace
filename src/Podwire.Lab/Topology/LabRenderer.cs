using Podwire.Lab.Backends;

namespace Podwire.Lab.Topology;

/// <summary>
/// Renders the lab plan into per-namespace scripts: the underlay switch, each node's uplink,
/// forwarding and masquerade, and the backend's devices and routes. Pure: no kernel access.
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
        foreach (var n in plan.Nodes)
        {
            s.Ip.Add($"link add {n.UnderlayPort} mtu {plan.Options.UnderlayMtu} type veth peer name {LabNames.NodeUplink} netns {n.Netns}");
            s.Ip.Add($"link set {n.UnderlayPort} master {LabNames.UnderlayBridge} up");
        }
        return s;
    }

    public static NodeScript Node(LabPlan plan, NodePlan node, IBackend backend)
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
        backend.Render(plan, node, s);
        // Flannel's ipMasq: pod traffic leaving the pod network takes the node's address.
        s.Nft.Add("table ip podwire-masq {");
        s.Nft.Add("  chain postrouting {");
        s.Nft.Add("    type nat hook postrouting priority srcnat; policy accept;");
        s.Nft.Add($"    ip saddr {plan.ClusterCidr} ip daddr {plan.ClusterCidr} return");
        s.Nft.Add($"    ip saddr {plan.ClusterCidr} ip daddr != 224.0.0.0/4 masquerade fully-random");
        s.Nft.Add("  }");
        s.Nft.Add("}");
        return s;
    }

    /// <summary>
    /// The conflist the lab's runtime uses on <paramref name="node"/> (CNI spec 1.1 network config). Hairpin
    /// mode as kubelet's default hairpin-veth: a pod reaching itself through a Service is DNATed back
    /// out of the port it came in on.
    /// </summary>
    public static string ConfList(LabPlan plan, NodePlan node, string ipamDir)
    {
        if (plan.Options.ReferenceCni)
            return $$$"""
                {"cniVersion":"1.0.0","name":"podwire","plugins":[{"type":"bridge","bridge":"{{{LabNames.PodBridge}}}","isGateway":true,"hairpinMode":true,"mtu":{{{node.PodMtu}}},"ipam":{"type":"host-local","dataDir":"{{{ipamDir}}}","ranges":[[{"subnet":"{{{node.PodCidr}}}","gateway":"{{{node.PodGateway}}}"}]],"routes":[{"dst":"0.0.0.0/0"}]}}]}
                """;
        return $$$"""
            {"cniVersion":"1.1.0","name":"podwire","plugins":[{"type":"podwire-cni","bridge":"{{{LabNames.PodBridge}}}","hairpinMode":true,"mtu":{{{node.PodMtu}}},"ipam":{"type":"podwire-ipam","subnet":"{{{node.PodCidr}}}","gateway":"{{{node.PodGateway}}}","dataDir":"{{{ipamDir}}}"}}]}
            """;
    }
}
