using Podwire.Model;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

public class NamespaceControllerTests
{
    [Fact]
    public void Referenced_and_system_namespaces_exist_with_name_label()
    {
        var model = Cluster(pods: [Pod("prod", "a")], services: [Service("web", "s")]);
        var d = ControlPlane.Derive(model);
        Assert.Equal(["default", "kube-node-lease", "kube-public", "kube-system", "prod", "web"], d.Namespaces.Select(n => n.Name));
        foreach (var ns in d.Namespaces)
            Assert.Equal(ns.Name, ns.Labels.Get(ClusterNamespace.NameLabel));
    }

    [Fact]
    public void Declared_namespace_keeps_its_labels_and_the_name_label_is_forced()
    {
        var declared = new ClusterNamespace("x", L(("team", "a"), (ClusterNamespace.NameLabel, "wrong")), Labels.Empty, Loc);
        var d = ControlPlane.Derive(Cluster() with { Namespaces = [declared] });
        var x = d.FindNamespace("x")!;
        Assert.Equal("a", x.Labels.Get("team"));
        Assert.Equal("x", x.Labels.Get(ClusterNamespace.NameLabel));
        Assert.Equal(Loc, x.Location);
    }
}

public class NodeControllerTests
{
    [Fact]
    public void Generates_nodes_with_cidrs_and_addresses_in_order()
    {
        var d = ControlPlane.Derive(Cluster(new ClusterOptions { GeneratedNodes = 3 }));
        Assert.Equal(["node-1", "node-2", "node-3"], d.Nodes.Select(n => n.Name));
        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"], d.Nodes.Select(n => n.PodCidr));
        Assert.Equal(["172.18.0.2", "172.18.0.3", "172.18.0.4"], d.Nodes.Select(n => n.InternalIP));
        Assert.All(d.Nodes, n => Assert.Equal(n.Name, n.Labels.Get("kubernetes.io/hostname")));
        Assert.All(d.Nodes, n => Assert.True(n.Ready));
        Assert.All(d.Nodes, n => Assert.Equal([n.PodCidr!], n.PodCidrs));
    }

    [Fact]
    public void Natural_name_order_puts_node_2_before_node_10()
    {
        var d = ControlPlane.Derive(Cluster(new ClusterOptions { GeneratedNodes = 12 }));
        Assert.Equal("node-2", d.Nodes[1].Name);
        Assert.Equal("node-10", d.Nodes[9].Name);
        Assert.Equal("10.244.9.0/24", d.Nodes[9].PodCidr);
        Assert.Equal("172.18.0.11", d.Nodes[9].InternalIP);
    }

    [Fact]
    public void Given_cidrs_and_addresses_are_honoured_and_skipped()
    {
        var nodes = new[]
        {
            Node("c"),
            Node("b", podCidr: "10.244.0.0/24", ip: "172.18.0.3"),
            Node("a", ready: false),
        };
        var d = ControlPlane.Derive(Cluster(nodes: nodes));
        Assert.Equal(["a", "b", "c"], d.Nodes.Select(n => n.Name));
        Assert.Equal(["10.244.1.0/24", "10.244.0.0/24", "10.244.2.0/24"], d.Nodes.Select(n => n.PodCidr));
        Assert.Equal(["172.18.0.2", "172.18.0.3", "172.18.0.4"], d.Nodes.Select(n => n.InternalIP));
        Assert.False(d.Nodes[0].Ready);
    }

    [Fact]
    public void Mask_size_option_is_used()
    {
        var d = ControlPlane.Derive(Cluster(new ClusterOptions { GeneratedNodes = 2, ClusterCidr = C("10.0.0.0/16"), NodeCidrMaskSize = 26 }));
        Assert.Equal(["10.0.0.0/26", "10.0.0.64/26"], d.Nodes.Select(n => n.PodCidr));
    }

    [Fact]
    public void Exhausted_cluster_cidr_leaves_nodes_without_cidr_instead_of_throwing()
    {
        var d = ControlPlane.Derive(Cluster(new ClusterOptions { GeneratedNodes = 3, ClusterCidr = C("10.0.0.0/23"), NodeCidrMaskSize = 24 }));
        Assert.Equal(["10.0.0.0/24", "10.0.1.0/24", null], d.Nodes.Select(n => n.PodCidr));
        Assert.Empty(d.Nodes[2].PodCidrs);
    }
}
