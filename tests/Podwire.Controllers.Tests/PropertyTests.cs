using System.Net;
using CsCheck;
using Podwire.Model;
using Podwire.Model.Net;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

public class PropertyTests
{
    private const long Iterations = 300;

    private static void Sample(Action<ClusterModel> check) =>
        RandomModels.Specs.Sample(spec => check(RandomModels.Build(spec)), iter: Iterations);

    [Fact]
    public void No_duplicate_pod_ips_and_allocated_ones_lie_in_their_node_cidr()
    {
        Sample(model =>
        {
            var d = ControlPlane.Derive(model);
            var given = model.Pods.Where(p => p.PodIP is not null).Select(p => p.Key).ToHashSet();
            var own = d.Pods.Where(p => !p.HostNetwork && p.PodIP is not null).Select(p => p.PodIP!).ToArray();
            Assert.Equal(own.Length, own.Distinct().Count());
            foreach (var p in d.Pods.Where(p => !p.HostNetwork && p.PodIP is not null && !given.Contains(p.Key)))
            {
                var node = d.Nodes.Single(n => n.Name == p.NodeName);
                var cidr = Cidr.Parse(node.PodCidr!);
                var ip = IPAddress.Parse(p.PodIP!);
                Assert.True(cidr.Contains(ip), $"{p.Key} {p.PodIP} outside {cidr}");
                var offset = cidr.OffsetOf(ip);
                Assert.InRange(offset, (UInt128)2, cidr.Size - 2);
            }
            foreach (var p in d.Pods.Where(p => p.PodIP is null && p.Phase is not ("Succeeded" or "Failed")))
                Assert.Equal("Pending", p.Phase);
        });
    }

    [Fact]
    public void ClusterIPs_are_unique_and_inside_the_range()
    {
        Sample(model =>
        {
            var d = ControlPlane.Derive(model);
            var cidr = model.Options.ServiceCidr;
            var ips = d.Services.SelectMany(s => s.ClusterIPs).Where(ip => ip != Podwire.Model.Service.None).ToArray();
            Assert.Equal(ips.Length, ips.Distinct().Count());
            foreach (var ip in ips)
            {
                var a = IPAddress.Parse(ip);
                Assert.True(cidr.Contains(a));
                Assert.InRange(cidr.OffsetOf(a), (UInt128)1, cidr.Size - 2);
            }
            foreach (var s in d.Services.Where(s => s.Type != ServiceType.ExternalName && !s.IsHeadless))
                Assert.Equal(s.ClusterIP is null ? [] : [s.ClusterIP], s.ClusterIPs);
            Assert.Equal(model.Options.ApiServiceIP, d.FindService("default", "kubernetes")!.ClusterIP);
        });
    }

    [Fact]
    public void NodePorts_are_unique_per_protocol_and_inside_the_range()
    {
        Sample(model =>
        {
            var d = ControlPlane.Derive(model);
            var used = new List<(Protocol, int)>();
            foreach (var s in d.Services)
            {
                foreach (var p in s.Ports.Where(p => p.NodePort is not null)) used.Add((p.Protocol, p.NodePort!.Value));
                if (s.HealthCheckNodePort is int hc) used.Add((Protocol.TCP, hc));
                if (NodePortAllocator.WantsNodePorts(s))
                    Assert.All(s.Ports, p => Assert.NotNull(p.NodePort));   // the ranges are big enough for these models
                else if (s.Type is ServiceType.ClusterIP or ServiceType.ExternalName)
                    Assert.All(s.Ports, p => Assert.Null(p.NodePort));
                if (NodePortAllocator.WantsHealthCheck(s)) Assert.NotNull(s.HealthCheckNodePort);
            }
            Assert.Equal(used.Count, used.Distinct().Count());
            Assert.All(used, u => Assert.InRange(u.Item2, model.Options.NodePortMin, model.Options.NodePortMax));
        });
    }

    [Fact]
    public void LoadBalancer_addresses_are_unique_and_in_the_pool()
    {
        Sample(model =>
        {
            var d = ControlPlane.Derive(model);
            var ips = d.Services.SelectMany(s => s.LoadBalancerIngress).ToArray();
            Assert.Equal(ips.Length, ips.Distinct().Count());
            Assert.All(ips, ip => Assert.True(model.Options.LoadBalancerPool.Contains(IPAddress.Parse(ip))));
            Assert.Equal(d.Services.Count(s => s.Type == ServiceType.LoadBalancer), ips.Length);
        });
    }

    [Fact]
    public void Endpoint_slices_are_consistent_with_pods()
    {
        Sample(model =>
        {
            var d = ControlPlane.Derive(model);
            int max = model.Options.MaxEndpointsPerSlice;
            Assert.Equal(d.EndpointSlices.Count, d.EndpointSlices.Select(s => s.Namespace + "/" + s.Name).Distinct().Count());
            foreach (var slice in d.EndpointSlices.Where(s => s.ManagedBy == EndpointSlice.ControllerName))
            {
                Assert.InRange(slice.Endpoints.Count, 0, max);
                var svc = d.FindService(slice.Namespace, slice.ServiceName!)!;
                foreach (var e in slice.Endpoints)
                {
                    var pod = d.FindPod(slice.Namespace, e.PodName!)!;
                    Assert.True(svc.Selector!.Count == 0 || LabelSelector.FromLabels(svc.Selector).Matches(pod.Labels));
                    Assert.Contains(e.Addresses.Single(), pod.PodIPs);
                    Assert.DoesNotContain(pod.Phase, new[] { "Succeeded", "Failed" });
                    Assert.Equal(e.Conditions.Ready, svc.PublishNotReadyAddresses || (pod.Ready && !pod.Terminating));
                    foreach (var port in slice.Ports)
                    {
                        var sp = svc.Ports.Single(p => p.Name == port.Name);
                        Assert.Equal(sp.TargetPort.IsName ? pod.ResolvePort(sp.TargetPort.Name!, sp.Protocol) : sp.TargetPort.Number, port.Port);
                    }
                }
            }
            // Every eligible selected pod appears exactly once per Service (single-stack models).
            foreach (var svc in d.Services.Where(s => s.Selector is not null && s.Type != ServiceType.ExternalName))
            {
                var expected = d.Pods.Where(p => p.Namespace == svc.Namespace && p.PodIP is not null && p.Phase is not ("Succeeded" or "Failed")
                    && LabelSelector.FromLabels(svc.Selector!).Matches(p.Labels)).Select(p => p.Name).Order().ToArray();
                var actual = d.SlicesFor(svc.Namespace, svc.Name).SelectMany(s => s.Endpoints).Select(e => e.PodName!).Order().ToArray();
                Assert.Equal(expected, actual);
            }
        });
    }

    [Fact]
    public void Derive_is_deterministic_and_independent_of_input_order()
    {
        Sample(model =>
        {
            string first = Dump(ControlPlane.Derive(model));
            Assert.Equal(first, Dump(ControlPlane.Derive(model)));
            var reversed = model with
            {
                Nodes = model.Nodes.Reverse().ToArray(),
                Pods = model.Pods.Reverse().ToArray(),
                Services = model.Services.Reverse().ToArray(),
                Workloads = model.Workloads.Reverse().ToArray(),
            };
            Assert.Equal(first, Dump(ControlPlane.Derive(reversed)));
        });
    }

    [Fact]
    public void Adding_an_unrelated_service_moves_nothing_unless_it_takes_an_existing_address()
    {
        Sample(model =>
        {
            var before = ControlPlane.Derive(model);
            var extra = Service("zz-new", "fresh", Labels.Of(("app", "nobody")));
            var after = ControlPlane.Derive(model with { Services = [.. model.Services, extra] });
            var taken = after.FindService("zz-new", "fresh")!.ClusterIP;
            var oldIps = before.Services.Select(s => s.ClusterIP).ToHashSet();
            bool collided = taken is not null && oldIps.Contains(taken);
            foreach (var s in before.Services)
            {
                var now = after.FindService(s.Namespace, s.Name)!;
                // Linear probing: if the new Service landed on an address nobody held, nobody's probe passed it.
                if (!collided) Assert.Equal(s.ClusterIP, now.ClusterIP);
                Assert.Equal(s.Ports.Select(p => p.NodePort), now.Ports.Select(p => p.NodePort));
            }
        });
    }
}
