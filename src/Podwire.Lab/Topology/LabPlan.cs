using Podwire.Controllers;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Lab.Topology;

/// <summary>Lab settings chosen at <c>up</c>.</summary>
public sealed record LabOptions(string Cluster, string Backend, bool ReferenceCni = false, int UnderlayMtu = 1500);

/// <summary>A node as the lab builds it: its namespace, underlay address and pod network.</summary>
public sealed record NodePlan(
    string Name,
    string Netns,
    string UnderlayPort,
    string UnderlayIP,
    int UnderlayPrefix,
    Cidr PodCidr,
    string PodGateway,
    string VtepMac,
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
    /// Pods the lab cannot wire as given: an address (status.podIP) outside the pod subnet of the
    /// node it runs on cannot be routed by a per-node-subnet network (Flannel's design).
    /// </summary>
    public static IReadOnlyList<string> Unroutable(DerivedCluster cluster)
    {
        var subnets = new Dictionary<string, Cidr>(StringComparer.Ordinal);
        foreach (var n in cluster.Nodes)
            if (n.PodCidr is not null && Cidr.TryParse(n.PodCidr, out var c)) subnets[n.Name] = c;
        var problems = new List<string>();
        foreach (var p in cluster.Pods)
        {
            if (p.HostNetwork || p.PodIP is null || p.NodeName is null || !subnets.TryGetValue(p.NodeName, out var subnet)) continue;
            if (!System.Net.IPAddress.TryParse(p.PodIP, out var ip) || subnet.Contains(ip)) continue;
            problems.Add($"Pod {p.Key}: status.podIP {p.PodIP} is outside the pod subnet {subnet} of its node {p.NodeName}; " +
                         "give more nodes (--nodes N) or Node objects whose podCIDRs hold the pods' addresses");
        }
        return problems;
    }

    public static LabPlan Build(DerivedCluster cluster, LabOptions options, int podMtuOverhead)
    {
        var names = new LabNames(options.Cluster);
        var underlay = cluster.Options.NodeNetwork;
        var nodes = new List<NodePlan>();
        foreach (var n in cluster.Nodes)
        {
            if (n.InternalIP is null || n.PodCidr is null || !Cidr.TryParse(n.PodCidr, out var podCidr)) continue;
            nodes.Add(new NodePlan(n.Name, names.NodeNetns(n.Name), names.UnderlayPort(n.Name), n.InternalIP, underlay.PrefixLength,
                podCidr, podCidr.AddressAt(1).ToString(), LabNames.Mac(options.Cluster + "/vtep/" + n.Name),
                options.UnderlayMtu - podMtuOverhead));
        }
        var byNode = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var pods = new List<PodPlan>();
        foreach (var p in cluster.Pods)
        {
            // hostNetwork pods share their node's namespace; pods without a node or IP are Pending.
            if (p.HostNetwork || p.NodeName is null || p.PodIP is null || !byNode.TryGetValue(p.NodeName, out var node)) continue;
            if (p.Phase is "Succeeded" or "Failed") continue;
            pods.Add(new PodPlan(p.Namespace, p.Name, names.PodNetns(p.Namespace, p.Name), node.Name, p.PodIP,
                node.PodCidr.PrefixLength, names.ContainerId(p.Namespace, p.Name), p));
        }
        return new LabPlan(options, names, underlay, underlay.AddressAt(1).ToString(), nodes, pods, cluster.Options.ClusterCidr);
    }
}
