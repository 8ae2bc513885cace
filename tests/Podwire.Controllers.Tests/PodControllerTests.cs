using Podwire.Model;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

public class PodControllerTests
{
    [Fact]
    public void Least_loaded_node_with_ties_by_name_in_pod_order()
    {
        var pods = new[] { Pod("x", "d"), Pod("x", "c"), Pod("x", "b"), Pod("x", "a", node: "node-1") };
        var d = ControlPlane.Derive(Cluster(pods: pods));
        Assert.Equal(["node-1", "node-2", "node-1", "node-2"], d.Pods.Select(p => p.NodeName));
    }

    [Fact]
    public void Pod_ips_start_at_offset_two_and_skip_given_addresses()
    {
        var pods = new[]
        {
            Pod("x", "a", node: "node-1"),
            Pod("x", "b", node: "node-1", ip: "10.244.0.2"),
            Pod("x", "c", node: "node-1"),
            Pod("x", "d", node: "node-2"),
        };
        var d = ControlPlane.Derive(Cluster(pods: pods));
        Assert.Equal(["10.244.0.3", "10.244.0.2", "10.244.0.4", "10.244.1.2"], d.Pods.Select(p => p.PodIP));
        Assert.All(d.Pods, p => Assert.Equal([p.PodIP!], p.PodIPs));
    }

    [Fact]
    public void Pods_with_given_addresses_land_on_the_node_whose_subnet_holds_them()
    {
        // Generated nodes take the subnets the given addresses live in, in address order, and each
        // such pod is scheduled where its address is routed; the rest fill in by load.
        var pods = new[]
        {
            Pod("x", "a", ip: "10.244.3.9"),
            Pod("x", "b", ip: "10.244.1.5"),
            Pod("x", "c"),
        };
        var d = ControlPlane.Derive(Cluster(pods: pods));
        Assert.Equal(["10.244.1.0/24", "10.244.3.0/24"], d.Nodes.Select(n => n.PodCidr));
        var byName = d.Pods.ToDictionary(p => p.Name);
        Assert.Equal("node-2", byName["a"].NodeName);
        Assert.Equal("node-1", byName["b"].NodeName);
        Assert.Equal("node-1", byName["c"].NodeName);
        Assert.Equal("10.244.1.2", byName["c"].PodIP);
    }

    [Fact]
    public void Generated_nodes_grow_to_hold_every_given_subnet_unless_the_count_was_chosen()
    {
        var pods = new[] { Pod("x", "a", ip: "10.244.1.5"), Pod("x", "b", ip: "10.244.2.5"), Pod("x", "c", ip: "10.244.3.5") };
        Assert.Equal(3, ControlPlane.Derive(Cluster(pods: pods)).Nodes.Count);
        var fixedTwo = ControlPlane.Derive(Cluster(new ClusterOptions { GeneratedNodes = 2, GeneratedNodesFixed = true }, pods: pods));
        Assert.Equal(2, fixedTwo.Nodes.Count);
    }

    [Fact]
    public void HostNetwork_pods_get_the_node_address()
    {
        var d = ControlPlane.Derive(Cluster(pods: [Pod("x", "h", node: "node-2", hostNetwork: true)]));
        Assert.Equal("172.18.0.3", d.Pods[0].PodIP);
    }

    [Fact]
    public void Exhausted_node_cidr_leaves_the_pod_pending_without_ip()
    {
        // A /30 has one pod address: .0 network, .1 bridge, .2 pod, .3 broadcast.
        var options = new ClusterOptions { GeneratedNodes = 1, NodeCidrMaskSize = 30 };
        var d = ControlPlane.Derive(Cluster(options, pods: [Pod("x", "a"), Pod("x", "b")]));
        Assert.Equal("10.244.0.2", d.Pods[0].PodIP);
        Assert.Equal("Running", d.Pods[0].Phase);
        Assert.Null(d.Pods[1].PodIP);
        Assert.Empty(d.Pods[1].PodIPs);
        Assert.Equal("Pending", d.Pods[1].Phase);
    }

    [Fact]
    public void No_nodes_means_pending_pods()
    {
        var d = ControlPlane.Derive(Cluster(new ClusterOptions { GeneratedNodes = 0 }, pods: [Pod("x", "a")]));
        Assert.Null(d.Pods[0].NodeName);
        Assert.Null(d.Pods[0].PodIP);
        Assert.Equal("Pending", d.Pods[0].Phase);
    }

    [Fact]
    public void NotReady_nodes_get_no_new_pods()
    {
        var d = ControlPlane.Derive(Cluster(nodes: [Node("n1", ready: false), Node("n2")], pods: [Pod("x", "a"), Pod("x", "b")]));
        Assert.All(d.Pods, p => Assert.Equal("n2", p.NodeName));
    }
}
