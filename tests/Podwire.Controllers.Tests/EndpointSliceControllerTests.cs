using Podwire.Model;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

public class EndpointSliceControllerTests
{
    private static readonly Labels Web = L(("app", "web"));

    private static IReadOnlyList<EndpointSlice> SlicesOf(DerivedCluster d, string ns, string svc) => d.SlicesFor(ns, svc);

    [Fact]
    public void Basic_slice_has_labels_ports_and_endpoints()
    {
        var svc = Service("prod", "web", Web, ports: [SPort("http", 80, PortRef.Of(8080))]);
        var d = ControlPlane.Derive(Cluster(services: [svc], pods:
        [
            Pod("prod", "a", Web, node: "node-1"),
            Pod("prod", "b", Web, node: "node-2"),
            Pod("prod", "other", L(("app", "db"))),
            Pod("elsewhere", "c", Web),
        ]));
        var slice = Assert.Single(SlicesOf(d, "prod", "web"));
        Assert.Matches("^web-[bcdfghjklmnpqrstvwxz2456789]{5}$", slice.Name);
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal(EndpointSlice.ControllerName, slice.ManagedBy);
        Assert.Equal("web", slice.Labels.Get(EndpointSlice.ServiceNameLabel));
        Assert.Equal(EndpointSlice.ControllerName, slice.Labels.Get(EndpointSlice.ManagedByLabel));
        Assert.Equal([new EndpointPort("http", Protocol.TCP, 8080, null)], slice.Ports);
        Assert.Equal(["a", "b"], slice.Endpoints.Select(e => e.PodName));
        // elsewhere/c sorts first and takes node-1's first address.
        Assert.Equal(["10.244.0.3", "10.244.1.2"], slice.Endpoints.Select(e => e.Addresses.Single()));
        Assert.Equal(["node-1", "node-2"], slice.Endpoints.Select(e => e.NodeName));
        Assert.All(slice.Endpoints, e => Assert.Equal(new EndpointConditions(true, true, false), e.Conditions));
    }

    [Fact]
    public void Named_target_port_is_resolved_per_pod()
    {
        var svc = Service("prod", "web", Web, ports: [SPort("http", 80, PortRef.Named("http")), SPort("metrics", 9100)]);
        var d = ControlPlane.Derive(Cluster(services: [svc], pods:
        [
            Pod("prod", "a", Web, ports: Port("http", 8080)),
            Pod("prod", "b", Web, ports: Port("http", 9090)),
            Pod("prod", "c", Web, ports: Port("http", 8080)),
            Pod("prod", "udp", Web, ports: Port("http", 8080, Protocol.UDP)),   // protocol must match too
            Pod("prod", "none", Web),
        ]));
        var slices = SlicesOf(d, "prod", "web");
        Assert.Equal(3, slices.Count);
        EndpointSlice With(string pod) => slices.Single(s => s.Endpoints.Any(e => e.PodName == pod));
        Assert.Equal(["a", "c"], With("a").Endpoints.Select(e => e.PodName));
        Assert.Equal([8080, 9100], With("a").Ports.Select(p => p.Port!.Value));
        Assert.Equal([9090, 9100], With("b").Ports.Select(p => p.Port!.Value));
        // Pods without the name are left out for that port only.
        Assert.Equal(["none", "udp"], With("none").Endpoints.Select(e => e.PodName));
        Assert.Equal([new EndpointPort("metrics", Protocol.TCP, 9100, null)], With("none").Ports);
        Assert.DoesNotContain(slices.Where(s => s.Ports.Any(p => p.Name == "http")).SelectMany(s => s.Endpoints), e => e.PodName is "none" or "udp");
    }

    [Fact]
    public void Two_hundred_fifty_pods_make_three_slices()
    {
        var pods = Enumerable.Range(0, 250).Select(i => Pod("prod", "p" + i.ToString("D3"), Web)).ToArray();
        var d = ControlPlane.Derive(Cluster(new ClusterOptions { GeneratedNodes = 3 }, services: [Service("prod", "web", Web)], pods: pods));
        var slices = SlicesOf(d, "prod", "web");
        Assert.Equal([100, 100, 50], slices.Select(s => s.Endpoints.Count).OrderDescending());
        Assert.Equal(250, slices.SelectMany(s => s.Endpoints).Select(e => e.PodName).Distinct().Count());
        Assert.Equal(3, slices.Select(s => s.Name).Distinct().Count());
    }

    [Fact]
    public void Max_endpoints_per_slice_option_is_used()
    {
        var pods = Enumerable.Range(0, 5).Select(i => Pod("prod", "p" + i, Web)).ToArray();
        var d = ControlPlane.Derive(Cluster(new ClusterOptions { MaxEndpointsPerSlice = 2 }, services: [Service("prod", "web", Web)], pods: pods));
        Assert.Equal([2, 2, 1], SlicesOf(d, "prod", "web").Select(s => s.Endpoints.Count).OrderDescending());
    }

    [Fact]
    public void Conditions_for_ready_not_ready_and_terminating_pods()
    {
        var pods = new[]
        {
            Pod("prod", "ready", Web),
            Pod("prod", "notready", Web, ready: false),
            Pod("prod", "terminating", Web, terminating: true),
        };
        var d = ControlPlane.Derive(Cluster(services: [Service("prod", "web", Web)], pods: pods));
        var eps = SlicesOf(d, "prod", "web").SelectMany(s => s.Endpoints).ToDictionary(e => e.PodName!);
        Assert.Equal(new EndpointConditions(Ready: true, Serving: true, Terminating: false), eps["ready"].Conditions);
        Assert.Equal(new EndpointConditions(Ready: false, Serving: false, Terminating: false), eps["notready"].Conditions);
        Assert.Equal(new EndpointConditions(Ready: false, Serving: true, Terminating: true), eps["terminating"].Conditions);
    }

    [Fact]
    public void PublishNotReadyAddresses_makes_every_endpoint_ready()
    {
        var pods = new[] { Pod("prod", "notready", Web, ready: false), Pod("prod", "terminating", Web, ready: false, terminating: true) };
        var svc = Service("prod", "web", Web) with { PublishNotReadyAddresses = true };
        var eps = SlicesOf(ControlPlane.Derive(Cluster(services: [svc], pods: pods)), "prod", "web").SelectMany(s => s.Endpoints).ToDictionary(e => e.PodName!);
        Assert.Equal(new EndpointConditions(true, true, false), eps["notready"].Conditions);
        Assert.Equal(new EndpointConditions(true, true, true), eps["terminating"].Conditions);
    }

    [Fact]
    public void Pods_without_ip_and_finished_pods_are_skipped_hostNetwork_uses_node_ip()
    {
        var pods = new[]
        {
            Pod("prod", "done", Web, phase: "Succeeded"),
            Pod("prod", "failed", Web, phase: "Failed", ip: "10.244.0.50"),
            Pod("prod", "host", Web, node: "node-1", hostNetwork: true),
        };
        var options = new ClusterOptions { GeneratedNodes = 0 };
        var d = ControlPlane.Derive(Cluster(new ClusterOptions(), services: [Service("prod", "web", Web)], pods: pods));
        var ep = Assert.Single(SlicesOf(d, "prod", "web").SelectMany(s => s.Endpoints));
        Assert.Equal("host", ep.PodName);
        Assert.Equal(["172.18.0.2"], ep.Addresses);
        // With no nodes at all, a pod without IP is simply absent.
        var none = ControlPlane.Derive(Cluster(options, services: [Service("prod", "web", Web)], pods: [Pod("prod", "a", Web)]));
        Assert.Empty(SlicesOf(none, "prod", "web").SelectMany(s => s.Endpoints));
    }

    [Fact]
    public void Hostname_only_when_subdomain_matches_the_service()
    {
        var pods = new[]
        {
            Pod("prod", "a", Web, hostname: "a-host", subdomain: "web"),
            Pod("prod", "b", Web, hostname: "b-host", subdomain: "other"),
        };
        var svc = Service("prod", "web", Web, clusterIP: "None");
        var d = ControlPlane.Derive(Cluster(services: [svc], pods: pods));
        var slice = Assert.Single(SlicesOf(d, "prod", "web"));
        Assert.Equal(["a-host", null], slice.Endpoints.Select(e => e.Hostname));
        Assert.Equal("", slice.Labels.Get(EndpointSliceController.HeadlessLabel));
    }

    [Fact]
    public void StatefulSet_behind_headless_service_publishes_hostnames()
    {
        var db = L(("app", "db"));
        var svc = Service("prod", "db", db, clusterIP: "None", ports: [SPort("pg", 5432)]);
        var d = ControlPlane.Derive(Cluster(services: [svc], workloads: [Workload(WorkloadKind.StatefulSet, "prod", "db", 2, db, serviceName: "db")]));
        var slice = Assert.Single(SlicesOf(d, "prod", "db"));
        Assert.Equal(["db-0", "db-1"], slice.Endpoints.Select(e => e.Hostname));
        Assert.Equal(["db-0", "db-1"], slice.Endpoints.Select(e => e.PodName));
    }

    [Fact]
    public void Zone_and_hints_with_topology_mode_auto()
    {
        var nodes = new[] { Node("n1", zone: "z1"), Node("n2", zone: "z2") };
        var pods = new[] { Pod("prod", "a", Web, node: "n1"), Pod("prod", "b", Web, node: "n2") };
        var plain = Service("prod", "web", Web);
        var auto = Service("prod", "auto", Web) with { Annotations = L((EndpointSliceController.TopologyModeAnnotation, "Auto")) };
        var d = ControlPlane.Derive(Cluster(nodes: nodes, services: [plain, auto], pods: pods));
        var p = SlicesOf(d, "prod", "web").Single().Endpoints;
        Assert.Equal(["z1", "z2"], p.Select(e => e.Zone));
        Assert.All(p, e => Assert.Empty(e.ZoneHints));
        var a = SlicesOf(d, "prod", "auto").Single().Endpoints;
        Assert.Equal([["z1"], ["z2"]], a.Select(e => e.ZoneHints.ToArray()));
    }

    [Fact]
    public void Empty_selector_selects_all_pods_of_the_namespace_null_selects_none()
    {
        var pods = new[] { Pod("prod", "a", Web), Pod("prod", "b"), Pod("dev", "c") };
        var d = ControlPlane.Derive(Cluster(services: [Service("prod", "all", Labels.Empty), Service("prod", "manual")], pods: pods));
        Assert.Equal(["a", "b"], SlicesOf(d, "prod", "all").Single().Endpoints.Select(e => e.PodName));
        Assert.Empty(SlicesOf(d, "prod", "manual"));
    }

    [Fact]
    public void Service_without_endpoints_gets_one_placeholder_slice()
    {
        var d = ControlPlane.Derive(Cluster(services: [Service("prod", "web", Web)]));
        var slice = Assert.Single(SlicesOf(d, "prod", "web"));
        Assert.Empty(slice.Endpoints);
        Assert.Empty(slice.Ports);
        Assert.Equal("IPv4", slice.AddressType);
    }

    [Fact]
    public void IPv6_pods_get_IPv6_slices_separately()
    {
        var pods = new[] { Pod("prod", "v4", Web, node: "node-1", ip: "10.244.0.9"), Pod("prod", "v6", Web, node: "node-1", ip: "fd00::9") };
        var d = ControlPlane.Derive(Cluster(services: [Service("prod", "web", Web)], pods: pods));
        var slices = SlicesOf(d, "prod", "web");
        Assert.Equal(["IPv4", "IPv6"], slices.Select(s => s.AddressType).Order());
        Assert.Equal("fd00::9", slices.Single(s => s.AddressType == "IPv6").Endpoints.Single().Addresses.Single());
    }

    [Fact]
    public void User_slices_are_kept_and_kubernetes_points_at_the_first_node()
    {
        var user = new EndpointSlice("prod", "manual-1", "manual", "IPv4", [new EndpointPort(null, Protocol.TCP, 80, null)],
            [new Endpoint(["192.0.2.1"], new EndpointConditions(true, true, false), null, null, null, null, [])],
            "staff", L((EndpointSlice.ServiceNameLabel, "manual")), Loc);
        var stale = new EndpointSlice("prod", "web-old", "web", "IPv4", [], [], EndpointSlice.ControllerName,
            L((EndpointSlice.ServiceNameLabel, "web")), Loc);
        var d = ControlPlane.Derive(Cluster(services: [Service("prod", "manual"), Service("prod", "web", Web)], slices: [user, stale]));
        Assert.Same(user, Assert.Single(SlicesOf(d, "prod", "manual")));
        Assert.DoesNotContain(SlicesOf(d, "prod", "web"), s => s.Name == "web-old");
        var api = Assert.Single(SlicesOf(d, "default", "kubernetes"));
        Assert.Equal("kubernetes", api.Name);
        Assert.Equal(["172.18.0.2"], api.Endpoints.Single().Addresses);
        Assert.Equal(6443, api.Ports.Single().Port);
        Assert.Equal("https", api.Ports.Single().Name);
    }
}
