using Podwire.Model;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

/// <summary>A running cluster's assignments pinned across a re-derivation (what a lab apply does).</summary>
public class AssignmentsTests
{
    private static readonly Pod[] Running = [Pod("x", "b"), Pod("x", "c"), Pod("x", "d"), Pod("y", "e")];

    private static Dictionary<string, (string? Node, string? IP)> Placement(DerivedCluster d) =>
        d.Pods.ToDictionary(p => p.Namespace + "/" + p.Name, p => (p.NodeName, p.PodIP));

    [Fact]
    public void A_new_pod_sorting_first_moves_others_without_pins_and_none_with_them()
    {
        var before = ControlPlane.Derive(Cluster(pods: Running));
        var grown = Cluster(pods: [Pod("x", "a"), .. Running]);

        var fresh = Placement(ControlPlane.Derive(grown));
        Assert.Contains(Running, p => fresh[$"{p.Namespace}/{p.Name}"] != Placement(before)[$"{p.Namespace}/{p.Name}"]);

        var pinned = ControlPlane.Derive(grown, Assignments.Of(before));
        var placed = Placement(pinned);
        foreach (var (key, was) in Placement(before)) Assert.Equal(was, placed[key]);
        // The newcomer takes a free address, not one of theirs.
        Assert.DoesNotContain(placed["x/a"].IP, Placement(before).Values.Select(v => v.IP));
        Assert.Equal(placed.Count, placed.Values.Select(v => v.IP).Distinct().Count());
    }

    [Fact]
    public void A_node_joining_first_in_name_order_renumbers_nobody_with_pins()
    {
        var nodes = new[] { Node("node-b"), Node("node-c") };
        var before = ControlPlane.Derive(Cluster(nodes: nodes, pods: Running));
        var grown = Cluster(nodes: [Node("node-a"), .. nodes], pods: Running);
        // Without pins the newcomer takes the first subnet and every node's CIDR shifts.
        var fresh = ControlPlane.Derive(grown);
        Assert.NotEqual(before.Nodes.Single(n => n.Name == "node-b").PodCidr, fresh.Nodes.Single(n => n.Name == "node-b").PodCidr);

        var pinned = ControlPlane.Derive(grown, Assignments.Parse(Assignments.Of(before).ToJson()));
        foreach (var n in before.Nodes)
        {
            var now = pinned.Nodes.Single(x => x.Name == n.Name);
            Assert.Equal((n.PodCidr, n.InternalIP), (now.PodCidr, now.InternalIP));
        }
        var newcomer = pinned.Nodes.Single(n => n.Name == "node-a");
        Assert.DoesNotContain(newcomer.PodCidr, before.Nodes.Select(n => n.PodCidr));
        Assert.DoesNotContain(newcomer.InternalIP, before.Nodes.Select(n => n.InternalIP));
        foreach (var (key, was) in Placement(before)) Assert.Equal(was, Placement(pinned)[key]);
    }

    [Fact]
    public void A_node_pin_outside_the_cluster_cidr_or_overlapping_a_given_one_is_dropped()
    {
        var before = ControlPlane.Derive(Cluster(nodes: [Node("n1"), Node("n2")]));
        var pins = Assignments.Of(before);
        var n1Cidr = before.Nodes.Single(n => n.Name == "n1").PodCidr!;
        // n2 now names n1's CIDR itself; n1's pin overlaps it and is dropped, n1 gets a free one.
        var next = ControlPlane.Derive(Cluster(nodes: [Node("n1"), Node("n2", podCidr: n1Cidr)]), pins);
        Assert.Equal(n1Cidr, next.Nodes.Single(n => n.Name == "n2").PodCidr);
        Assert.NotEqual(n1Cidr, next.Nodes.Single(n => n.Name == "n1").PodCidr);
        // A smaller cluster CIDR that no longer holds the pin: dropped too.
        var narrow = ControlPlane.Derive(Cluster(new ClusterOptions { ClusterCidr = Podwire.Model.Net.Cidr.Parse("10.9.0.0/16") }, nodes: [Node("n1"), Node("n2")]), pins);
        Assert.All(narrow.Nodes, n => Assert.StartsWith("10.9.", n.PodCidr));
    }

    [Fact]
    public void A_pin_that_no_longer_fits_is_dropped()
    {
        var before = ControlPlane.Derive(Cluster(pods: Running));
        var pins = Assignments.Of(before);
        var takenIp = before.Pods.Single(p => p.Name == "c").PodIP;
        // Another pod now names c's address explicitly; d was pinned to a node that is now NotReady.
        var dNode = before.Pods.Single(p => p.Name == "d").NodeName!;
        var nodes = before.Nodes.Select(n => n.Name == dNode ? n with { Ready = false } : n).ToList();
        var next = ControlPlane.Derive(Cluster(nodes: nodes, pods: [.. Running, Pod("z", "thief", node: before.Pods.Single(p => p.Name == "c").NodeName, ip: takenIp)]), pins);
        Assert.Equal(takenIp, next.Pods.Single(p => p.Name == "thief").PodIP);
        Assert.NotEqual(takenIp, next.Pods.Single(p => p.Name == "c").PodIP);
        Assert.NotEqual(dNode, next.Pods.Single(p => p.Name == "d").NodeName);
    }

    [Fact]
    public void LoadBalancer_addresses_stay_when_a_service_sorting_first_arrives()
    {
        Service Lb(string ns, string name) => Service(ns, name, L(("app", name)), ServiceType.LoadBalancer);
        var before = ControlPlane.Derive(Cluster(services: [Lb("m", "one"), Lb("p", "two")]));
        var grown = Cluster(services: [Lb("a", "zero"), Lb("m", "one"), Lb("p", "two")]);
        string Addr(DerivedCluster d, string name) => d.Services.Single(s => s.Name == name).LoadBalancerIngress.Single();

        Assert.NotEqual(Addr(before, "one"), Addr(ControlPlane.Derive(grown), "one"));
        var pinned = ControlPlane.Derive(grown, Assignments.Of(before));
        Assert.Equal(Addr(before, "one"), Addr(pinned, "one"));
        Assert.Equal(Addr(before, "two"), Addr(pinned, "two"));
        Assert.DoesNotContain(Addr(pinned, "zero"), new[] { Addr(before, "one"), Addr(before, "two") });
        foreach (var s in before.Services) Assert.Equal(s.ClusterIP, pinned.Services.Single(p => p.Name == s.Name && p.Namespace == s.Namespace).ClusterIP);
    }

    [Fact]
    public void Pins_survive_their_json_and_garbage_reads_as_none()
    {
        var d = ControlPlane.Derive(Cluster(pods: Running, services: [Service("m", "lb", type: ServiceType.LoadBalancer)]));
        var pins = Assignments.Of(d);
        var back = Assignments.Parse(pins.ToJson());
        Assert.Equal(pins.ToJson(), back.ToJson());
        Assert.Equal(Running.Length, back.Pods.Count);
        Assert.Single(back.Services["m/lb"].LoadBalancer);
        Assert.Empty(Assignments.Parse("{not json").Pods);
        Assert.Empty(Assignments.Parse("{}").Services);
    }

    [Fact]
    public void Addresses_of_pinned_pods_added_later_are_not_handed_out()
    {
        // The lab adds its own pods after the user's; a new user pod must not take their addresses.
        var before = ControlPlane.Derive(Cluster(pods: [.. Running, Pod("sys", "dns")]));
        var dnsIp = before.Pods.Single(p => p.Name == "dns").PodIP!;
        var dnsNode = before.Pods.Single(p => p.Name == "dns").NodeName;
        var next = ControlPlane.Derive(Cluster(pods: [.. Running, .. Enumerable.Range(0, 6).Select(i => Pod("a", "new" + i, node: dnsNode))]), Assignments.Of(before));
        Assert.DoesNotContain(dnsIp, next.Pods.Select(p => p.PodIP));
    }

    [Fact]
    public void NodePorts_stay_when_a_service_sorting_first_hashes_to_the_same_port_and_explicit_requests_still_win()
    {
        Service Np(string ns, string name, int? nodePort = null) =>
            Service(ns, name, L(("app", name)), ServiceType.NodePort, ports: [SPort("http", 80, nodePort: nodePort)]);
        int Port(DerivedCluster d, string name) => d.Services.Single(x => x.Name == name).Ports[0].NodePort!.Value;
        var before = ControlPlane.Derive(Cluster(services: [Np("m", "one")]));
        int mine = Port(before, "one");
        // A newcomer in namespace "a" (allocated first) whose own hash lands on one's port.
        var rival = Enumerable.Range(0, 20000).Select(n => "r" + n)
            .First(n => Port(ControlPlane.Derive(Cluster(services: [Np("a", n)])), n) == mine);
        var grown = Cluster(services: [Np("a", rival), Np("m", "one")]);
        Assert.NotEqual(mine, Port(ControlPlane.Derive(grown), "one"));
        var pinned = ControlPlane.Derive(grown, Assignments.Of(before));
        Assert.Equal(mine, Port(pinned, "one"));
        Assert.NotEqual(mine, Port(pinned, rival));
        // Asked for explicitly, the port goes to whoever asks; the pinned Service gets another.
        var asked = ControlPlane.Derive(Cluster(services: [Np("a", "wants", mine), Np("m", "one")]), Assignments.Of(before));
        Assert.Equal(mine, Port(asked, "wants"));
        Assert.NotEqual(mine, Port(asked, "one"));
        Assert.Equal(mine, Assignments.Parse(Assignments.Of(before).ToJson()).Services["m/one"].NodePorts["TCP/80"]);
    }
}
