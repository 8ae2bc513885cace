using System.Net;
using Podwire.Model;
using Podwire.Model.Net;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

public class ServiceIpAllocatorTests
{
    private static readonly ClusterOptions Slash24 = new() { ServiceCidr = Cidr.Parse("10.0.0.0/24") };

    private static int LastOctet(string ip) => IPAddress.Parse(ip).GetAddressBytes()[3];

    [Theory]
    [InlineData("10.0.0.0/24", 16, 254)]
    [InlineData("10.0.0.0/20", 256, 4094)]
    [InlineData("10.96.0.0/12", 256, 1048574)]
    [InlineData("10.0.0.0/28", 14, 14)]       // offset 16 covers the whole /28: no dynamic band
    [InlineData("10.0.0.0/29", 0, 6)]         // fewer than 16 addresses: no static band
    public void Bands_follow_KEP_3070(string cidr, int staticSize, int last)
    {
        var r = ServiceIpAllocator.RangeFor(Cidr.Parse(cidr));
        Assert.Equal((UInt128)1, r.First);
        Assert.Equal((UInt128)staticSize, r.StaticSize);
        Assert.Equal((UInt128)last, r.Last);
    }

    [Fact]
    public void Builtins_get_dot1_and_dot10_and_dynamic_lands_in_upper_band()
    {
        var d = ControlPlane.Derive(Cluster(Slash24, services: [Service("prod", "web", L(("app", "web")))]));
        var api = d.FindService("default", "kubernetes")!;
        Assert.Equal("10.0.0.1", api.ClusterIP);
        Assert.Equal(["10.0.0.1"], api.ClusterIPs);
        Assert.Equal(443, api.Ports[0].Port);
        Assert.Equal("https", api.Ports[0].Name);
        Assert.Equal(PortRef.Of(6443), api.Ports[0].TargetPort);
        Assert.Null(api.Selector);
        var dns = d.FindService("kube-system", "kube-dns")!;
        Assert.Equal("10.0.0.10", dns.ClusterIP);
        Assert.Equal(["dns 53/UDP", "dns-tcp 53/TCP", "metrics 9153/TCP"], dns.Ports.Select(p => $"{p.Name} {p.Port}/{p.Protocol}"));
        Assert.Equal("kube-dns", dns.Selector!.Get("k8s-app"));
        Assert.Equal("kube-dns", dns.Labels.Get("k8s-app"));
        int web = LastOctet(d.FindService("prod", "web")!.ClusterIP!);
        Assert.InRange(web, 17, 254);
    }

    [Fact]
    public void Default_kubeadm_range_allocates_above_the_256_static_addresses()
    {
        var d = ControlPlane.Derive(Cluster(services: Enumerable.Range(0, 20).Select(i => Service("n", "s" + i)).ToArray()));
        var cidr = new ClusterOptions().ServiceCidr;
        Assert.Equal("10.96.0.1", d.FindService("default", "kubernetes")!.ClusterIP);
        Assert.Equal("10.96.0.10", d.FindService("kube-system", "kube-dns")!.ClusterIP);
        foreach (var s in d.Services.Where(s => s.Namespace == "n"))
            Assert.InRange(cidr.OffsetOf(IPAddress.Parse(s.ClusterIP!)), (UInt128)257, cidr.Size - 2);
    }

    [Fact]
    public void Dynamic_start_is_the_hash_of_namespace_and_name()
    {
        // Alone in a /24, a Service lands exactly on its hash slot in the upper band .17-.254.
        var d = ControlPlane.Derive(Cluster(Slash24, services: [Service("prod", "web")]));
        ulong slot = StableHash.Fnv1a("prod/web") % 238;
        Assert.Equal($"10.0.0.{17 + (int)slot}", d.FindService("prod", "web")!.ClusterIP);
    }

    [Fact]
    public void User_defined_kube_dns_wins_but_keeps_dot10()
    {
        var mine = Service("kube-system", "kube-dns", L(("app", "coredns")), ports: [SPort("dns", 53, protocol: Protocol.UDP)]);
        var d = ControlPlane.Derive(Cluster(Slash24, services: [mine]));
        var dns = d.FindService("kube-system", "kube-dns")!;
        Assert.Equal("10.0.0.10", dns.ClusterIP);
        Assert.Equal("coredns", dns.Selector!.Get("app"));
        Assert.Single(dns.Ports);
    }

    [Fact]
    public void Requested_ips_are_honoured_even_the_builtin_ones()
    {
        var d = ControlPlane.Derive(Cluster(Slash24, services:
        [
            Service("a", "takes-dns", clusterIP: "10.0.0.10"),
            Service("a", "static", clusterIP: "10.0.0.5"),
        ]));
        Assert.Equal("10.0.0.10", d.FindService("a", "takes-dns")!.ClusterIP);
        Assert.Equal("10.0.0.5", d.FindService("a", "static")!.ClusterIP);
        Assert.InRange(LastOctet(d.FindService("kube-system", "kube-dns")!.ClusterIP!), 17, 254);
    }

    [Fact]
    public void Headless_and_ExternalName_get_no_address()
    {
        var ext = Service("a", "ext", type: ServiceType.ExternalName) with { ExternalName = "example.com" };
        var d = ControlPlane.Derive(Cluster(Slash24, services: [Service("a", "hl", L(("x", "y")), clusterIP: "None"), ext]));
        Assert.Equal("None", d.FindService("a", "hl")!.ClusterIP);
        Assert.Equal(["None"], d.FindService("a", "hl")!.ClusterIPs);
        Assert.Null(d.FindService("a", "ext")!.ClusterIP);
        Assert.Empty(d.FindService("a", "ext")!.ClusterIPs);
    }

    [Fact]
    public void Lower_band_is_used_only_when_the_upper_band_is_full()
    {
        // 238 addresses .17-.254 in the upper band; the 239th and 240th dynamic Service go below .17.
        var services = Enumerable.Range(0, 240).Select(i => Service("n", "s" + i.ToString("D3"))).ToArray();
        var d = ControlPlane.Derive(Cluster(Slash24, services: services));
        var octets = d.Services.Where(s => s.Namespace == "n").Select(s => LastOctet(s.ClusterIP!)).ToArray();
        Assert.Equal(240, octets.Distinct().Count());
        Assert.Equal(238, octets.Count(o => o >= 17));
        Assert.Equal(2, octets.Count(o => o < 17));
        Assert.DoesNotContain(1, octets);
        Assert.DoesNotContain(10, octets);
        Assert.DoesNotContain(0, octets);
        Assert.DoesNotContain(255, octets);
    }

    [Fact]
    public void Full_range_leaves_service_without_ip_instead_of_throwing()
    {
        var options = new ClusterOptions { ServiceCidr = Cidr.Parse("10.0.0.0/29") }; // .1-.6
        var services = Enumerable.Range(0, 8).Select(i => Service("n", "s" + i)).ToArray();
        var d = ControlPlane.Derive(Cluster(options, services: services));
        Assert.Equal(6, d.Services.Count(s => s.ClusterIP is not null));
        Assert.Equal(4, d.Services.Count(s => s.ClusterIP is null));
    }

    [Fact]
    public void Adding_an_unrelated_service_keeps_existing_addresses()
    {
        var services = Enumerable.Range(0, 50).Select(i => Service("ns" + (i % 3), "svc-" + i)).ToList();
        var before = ControlPlane.Derive(Cluster(services: services));
        services.Insert(0, Service("aaa", "new"));
        var after = ControlPlane.Derive(Cluster(services: services));
        foreach (var s in before.Services)
            Assert.Equal(s.ClusterIP, after.FindService(s.Namespace, s.Name)!.ClusterIP);
    }

    [Fact]
    public void Dual_stack_service_gets_one_address_per_family()
    {
        var options = new ClusterOptions { ServiceCidr = Cidr.Parse("10.0.0.0/24"), ServiceCidrV6 = Cidr.Parse("fd00:10::/108") };
        var s = Service("a", "ds") with { IpFamilies = ["IPv6", "IPv4"] };
        var d = ControlPlane.Derive(Cluster(options, services: [s]));
        var ds = d.FindService("a", "ds")!;
        Assert.Equal(2, ds.ClusterIPs.Count);
        Assert.True(Cidr.Parse("fd00:10::/108").Contains(IPAddress.Parse(ds.ClusterIPs[0])));
        Assert.True(Cidr.Parse("10.0.0.0/24").Contains(IPAddress.Parse(ds.ClusterIPs[1])));
        Assert.Equal(ds.ClusterIPs[0], ds.ClusterIP);
    }
}
