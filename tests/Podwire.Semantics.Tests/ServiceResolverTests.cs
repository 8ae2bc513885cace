using Podwire.Model;
using Podwire.Semantics.Services;
using static Podwire.Semantics.Tests.Build;

namespace Podwire.Semantics.Tests;

public sealed class ServiceResolverTests
{
    private static Podwire.Controllers.DerivedCluster WebCluster(Service? web = null, params Endpoint[] eps)
    {
        web ??= Svc("prod", "web", "10.96.12.34", Port("http", 80, target: 8080), Port("dns", 53, Protocol.UDP, 5353));
        var endpoints = eps.Length > 0 ? eps :
        [
            Ep("10.244.1.5", pod: "web-a", node: "node-1"),
            Ep("10.244.2.7", pod: "web-b", node: "node-2"),
            Ep("10.244.3.9", ready: false, serving: false, pod: "web-c", node: "node-3"),
        ];
        var slices = new[]
        {
            Slice("prod", "web", "web-1", [EpPort("http", 8080), EpPort("dns", 5353, Protocol.UDP)], endpoints),
            Slice("prod", "web", "web-v6", [EpPort("http", 8080)], Ep("fd00::5", pod: "web-a")),
            Slice("prod", "other", "other-1", [EpPort("http", 9999)], Ep("10.244.9.9")),
        };
        return Cluster([web, Headless("prod", "db"), External("prod", "ext", "www.example.com")], slices);
    }

    [Fact]
    public void Resolves_port_number_to_endpoints_with_target_ports()
    {
        var r = ServiceResolver.Resolve(WebCluster(), "prod", "web", 80)!;
        Assert.Equal("10.96.12.34", r.ClusterIP);
        Assert.Equal("http", r.Port!.Name);
        Assert.Equal(
            [("10.244.1.5", 8080, true, "prod/web-a", "node-1"), ("10.244.2.7", 8080, true, "prod/web-b", "node-2"), ("10.244.3.9", 8080, false, "prod/web-c", "node-3")],
            r.Endpoints.Select(e => (e.Ip, e.Port, e.Ready, e.Pod, e.Node)));
    }

    [Fact]
    public void Udp_port_matches_slice_port_by_name_and_protocol()
    {
        var r = ServiceResolver.Resolve(WebCluster(), "prod", "web", 53)!;
        Assert.Equal(Protocol.UDP, r.Port!.Protocol);
        Assert.All(r.Endpoints, e => Assert.Equal(5353, e.Port));
        Assert.Equal(3, r.Endpoints.Count);
        Assert.Null(ServiceResolver.Resolve(WebCluster(), "prod", "web", 53, Protocol.TCP)!.Port);
    }

    [Fact]
    public void Unknown_port_and_unknown_service()
    {
        var r = ServiceResolver.Resolve(WebCluster(), "prod", "web", 81)!;
        Assert.Null(r.Port);
        Assert.Empty(r.Endpoints);
        Assert.Contains("no port 81", r.Explanation);
        Assert.Null(ServiceResolver.Resolve(WebCluster(), "prod", "nosuch", 80));
    }

    [Fact]
    public void External_name_has_no_endpoints_and_says_cname()
    {
        var r = ServiceResolver.Resolve(WebCluster(), "prod", "ext", 80)!;
        Assert.Null(r.ClusterIP);
        Assert.Empty(r.Endpoints);
        Assert.Contains("CNAME www.example.com.", r.Explanation);
    }

    [Fact]
    public void Headless_reports_none_and_lists_endpoints_on_the_requested_port()
    {
        var cluster = Cluster([Headless("prod", "db")],
            [Slice("prod", "db", "db-1", [], Ep("10.244.1.5", pod: "db-0")), Slice("prod", "db", "db-2", [], Ep("fd00::1"))]);
        var r = ServiceResolver.Resolve(cluster, "prod", "db", 5432)!;
        Assert.Equal("None", r.ClusterIP);
        // no VIP, so no family to prefer: every address is listed
        Assert.Equal([("10.244.1.5", 5432), ("fd00::1", 5432)], r.Endpoints.Select(e => (e.Ip, e.Port)));
    }

    [Fact]
    public void Ipv6_slice_is_ignored_for_an_ipv4_cluster_ip()
    {
        var r = ServiceResolver.Resolve(WebCluster(), "prod", "web", 80)!;
        Assert.DoesNotContain(r.Endpoints, e => e.Ip == "fd00::5");
    }

    [Fact]
    public void Pick_prefers_ready_endpoints()
    {
        var pick = ServiceResolver.PickEndpoints(ServiceResolver.Resolve(WebCluster(), "prod", "web", 80)!);
        Assert.Equal(["10.244.1.5", "10.244.2.7"], pick.Endpoints.Select(e => e.Ip));
        Assert.False(pick.UsedTerminating);
    }

    [Fact]
    public void Pick_falls_back_to_serving_terminating_when_none_ready()
    {
        var cluster = WebCluster(null,
            Ep("10.244.1.5", ready: false, serving: true, terminating: true),
            Ep("10.244.2.7", ready: false, serving: false, terminating: true),
            Ep("10.244.3.9", ready: false, serving: false));
        var pick = ServiceResolver.PickEndpoints(ServiceResolver.Resolve(cluster, "prod", "web", 80)!);
        Assert.Equal(["10.244.1.5"], pick.Endpoints.Select(e => e.Ip));
        Assert.True(pick.UsedTerminating);
    }

    [Fact]
    public void Pick_with_no_usable_endpoint_is_empty()
    {
        var cluster = WebCluster(null, Ep("10.244.3.9", ready: false, serving: false));
        var pick = ServiceResolver.PickEndpoints(ServiceResolver.Resolve(cluster, "prod", "web", 80)!);
        Assert.True(pick.Empty);
        Assert.Contains("rejected", pick.Explanation);
    }

    [Theory]
    [InlineData("node-1", new[] { "10.244.1.5" })]
    [InlineData("node-2", new[] { "10.244.2.7" })]
    [InlineData("node-3", new string[0])]
    public void Internal_traffic_policy_local_keeps_client_node_endpoints(string node, string[] expected)
    {
        var web = Svc("prod", "web", "10.96.12.34", Port("http", 80, target: 8080)) with { InternalTrafficLocal = true };
        var r = ServiceResolver.Resolve(WebCluster(web), "prod", "web", 80)!;
        var pick = ServiceResolver.PickEndpoints(r, clientNode: node);
        Assert.Equal(expected, pick.Endpoints.Select(e => e.Ip));
        // external traffic is unaffected by internalTrafficPolicy
        Assert.Equal(2, ServiceResolver.PickEndpoints(r, clientNode: node, external: true).Endpoints.Count);
    }

    [Fact]
    public void Local_policy_uses_local_serving_terminating_before_dropping()
    {
        var web = Svc("prod", "web", "10.96.12.34", Port("http", 80)) with { ExternalTrafficLocal = true };
        var cluster = WebCluster(web,
            Ep("10.244.1.5", ready: false, serving: true, terminating: true, node: "node-1"),
            Ep("10.244.2.7", node: "node-2"));
        var r = ServiceResolver.Resolve(cluster, "prod", "web", 80)!;
        var pick = ServiceResolver.PickEndpoints(r, clientNode: "node-1", external: true);
        Assert.Equal(["10.244.1.5"], pick.Endpoints.Select(e => e.Ip));
        Assert.True(pick.UsedTerminating);
    }

    private static Podwire.Controllers.DerivedCluster ZonedCluster(bool allHinted, string? mode = "Auto")
    {
        var web = Svc("prod", "web", "10.96.12.34", Port("http", 80));
        if (mode is not null) web = web with { Annotations = Labels.Of(("service.kubernetes.io/topology-mode", mode)) };
        return WebCluster(web,
            Ep("10.244.1.5", zone: "a", hints: ["a"]),
            Ep("10.244.2.7", zone: "b", hints: ["b"]),
            allHinted ? Ep("10.244.3.9", zone: "a", hints: ["a"]) : Ep("10.244.3.9", zone: "a"));
    }

    [Fact]
    public void Topology_hints_filter_to_the_client_zone()
    {
        var pick = ServiceResolver.PickEndpoints(ServiceResolver.Resolve(ZonedCluster(true), "prod", "web", 80)!, clientZone: "a");
        Assert.True(pick.UsedTopology);
        Assert.Equal(["10.244.1.5", "10.244.3.9"], pick.Endpoints.Select(e => e.Ip));
    }

    [Fact]
    public void Topology_ignored_when_any_endpoint_lacks_hints_or_service_does_not_ask()
    {
        var partial = ServiceResolver.PickEndpoints(ServiceResolver.Resolve(ZonedCluster(false), "prod", "web", 80)!, clientZone: "a");
        Assert.False(partial.UsedTopology);
        Assert.Equal(3, partial.Endpoints.Count);
        var notAsked = ServiceResolver.PickEndpoints(ServiceResolver.Resolve(ZonedCluster(true, mode: null), "prod", "web", 80)!, clientZone: "a");
        Assert.False(notAsked.UsedTopology);
        var noZoneMatch = ServiceResolver.PickEndpoints(ServiceResolver.Resolve(ZonedCluster(true), "prod", "web", 80)!, clientZone: "c");
        Assert.False(noZoneMatch.UsedTopology);
        Assert.Equal(3, noZoneMatch.Endpoints.Count);
    }
}
