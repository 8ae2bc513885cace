using Podwire.Model;
using Podwire.Model.Net;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

public class NodePortAllocatorTests
{
    [Fact]
    public void Default_range_static_band_is_30000_to_30086()
    {
        var r = NodePortAllocator.RangeFor(30000, 32767);
        Assert.Equal((UInt128)30000, r.First);
        Assert.Equal((UInt128)87, r.StaticSize);
        Assert.Equal((UInt128)30087, r.DynamicLow);
        Assert.Equal((UInt128)32767, r.Last);
    }

    [Fact]
    public void NodePort_service_gets_a_port_in_the_dynamic_band()
    {
        var d = ControlPlane.Derive(Cluster(services: [Service("a", "np", type: ServiceType.NodePort)]));
        var np = d.FindService("a", "np")!.Ports[0].NodePort;
        Assert.NotNull(np);
        Assert.InRange(np!.Value, 30087, 32767);
        Assert.Null(d.FindService("default", "kubernetes")!.Ports[0].NodePort);
    }

    [Fact]
    public void Requested_node_ports_are_honoured_and_clashes_reallocated()
    {
        var d = ControlPlane.Derive(Cluster(services:
        [
            Service("a", "one", type: ServiceType.NodePort, ports: [SPort("http", 80, nodePort: 30080)]),
            Service("a", "two", type: ServiceType.NodePort, ports: [SPort("http", 80, nodePort: 30080)]),
            Service("a", "udp", type: ServiceType.NodePort, ports: [SPort("dns", 53, protocol: Protocol.UDP, nodePort: 30080)]),
        ]));
        Assert.Equal(30080, d.FindService("a", "one")!.Ports[0].NodePort);
        Assert.InRange(d.FindService("a", "two")!.Ports[0].NodePort!.Value, 30087, 32767);
        Assert.Equal(30080, d.FindService("a", "udp")!.Ports[0].NodePort);  // unique per (port, protocol)
    }

    [Fact]
    public void Same_port_number_over_two_protocols_shares_one_node_port()
    {
        var s = Service("a", "dns", type: ServiceType.NodePort, ports:
            [SPort("dns", 53, protocol: Protocol.UDP), SPort("dns-tcp", 53, protocol: Protocol.TCP)]);
        var ports = ControlPlane.Derive(Cluster(services: [s])).FindService("a", "dns")!.Ports;
        Assert.NotNull(ports[0].NodePort);
        Assert.Equal(ports[0].NodePort, ports[1].NodePort);
    }

    [Fact]
    public void LoadBalancer_node_ports_and_health_check_port()
    {
        var lb = Service("a", "lb", type: ServiceType.LoadBalancer) with { ExternalTrafficLocal = true };
        var noPorts = Service("a", "lb-noports", type: ServiceType.LoadBalancer) with { AllocateLoadBalancerNodePorts = false };
        var d = ControlPlane.Derive(Cluster(services: [lb, noPorts]));
        var a = d.FindService("a", "lb")!;
        Assert.InRange(a.Ports[0].NodePort!.Value, 30087, 32767);
        Assert.InRange(a.HealthCheckNodePort!.Value, 30087, 32767);
        Assert.NotEqual(a.Ports[0].NodePort, a.HealthCheckNodePort);
        Assert.Null(d.FindService("a", "lb-noports")!.Ports[0].NodePort);
        Assert.Null(d.FindService("a", "lb-noports")!.HealthCheckNodePort);
    }

    [Fact]
    public void Given_health_check_port_is_kept()
    {
        var lb = Service("a", "lb", type: ServiceType.LoadBalancer) with { ExternalTrafficLocal = true, HealthCheckNodePort = 30010 };
        Assert.Equal(30010, ControlPlane.Derive(Cluster(services: [lb])).FindService("a", "lb")!.HealthCheckNodePort);
    }

    [Fact]
    public void Small_range_fills_completely_then_leaves_ports_empty()
    {
        var options = new ClusterOptions { NodePortMin = 30000, NodePortMax = 30009 };  // 10 ports, no static band
        var services = Enumerable.Range(0, 12).Select(i => Service("a", "s" + i, type: ServiceType.NodePort)).ToArray();
        var d = ControlPlane.Derive(Cluster(options, services: services));
        var ports = d.Services.Where(s => s.Namespace == "a").Select(s => s.Ports[0].NodePort).ToArray();
        Assert.Equal(10, ports.Count(p => p is not null));
        Assert.Equal(Enumerable.Range(30000, 10), ports.Where(p => p is not null).Select(p => p!.Value).Order());
    }
}

public class LoadBalancerAllocatorTests
{
    [Fact]
    public void Pool_addresses_in_name_order_requested_ones_honoured()
    {
        var d = ControlPlane.Derive(Cluster(services:
        [
            Service("a", "first", type: ServiceType.LoadBalancer),
            Service("a", "second", type: ServiceType.LoadBalancer) with { LoadBalancerIP = "172.18.255.1" },
            Service("a", "third", type: ServiceType.LoadBalancer) with { LoadBalancerIP = "192.0.2.1" },   // outside the pool
            Service("a", "other-impl", type: ServiceType.LoadBalancer) with { LoadBalancerClass = "example.com/lb" },
            Service("a", "kept", type: ServiceType.LoadBalancer) with { LoadBalancerIngress = ["172.18.255.2"] },
        ]));
        Assert.Equal(["172.18.255.3"], d.FindService("a", "first")!.LoadBalancerIngress);
        Assert.Equal(["172.18.255.1"], d.FindService("a", "second")!.LoadBalancerIngress);
        Assert.Equal(["172.18.255.4"], d.FindService("a", "third")!.LoadBalancerIngress);
        Assert.Empty(d.FindService("a", "other-impl")!.LoadBalancerIngress);
        Assert.Equal(["172.18.255.2"], d.FindService("a", "kept")!.LoadBalancerIngress);
    }

    [Fact]
    public void Exhausted_pool_leaves_ingress_empty()
    {
        var options = new ClusterOptions { LoadBalancerPool = Cidr.Parse("172.18.255.0/30") };  // .1 and .2
        var services = Enumerable.Range(0, 3).Select(i => Service("a", "s" + i, type: ServiceType.LoadBalancer)).ToArray();
        var d = ControlPlane.Derive(Cluster(options, services: services));
        Assert.Equal(["172.18.255.1", "172.18.255.2", ""],
            d.Services.Where(s => s.Namespace == "a").Select(s => s.LoadBalancerIngress.FirstOrDefault() ?? ""));
    }
}
