using Podwire.Controllers.Dns;
using Podwire.Model;
using Podwire.Semantics.Dns;

namespace Podwire.Semantics.Tests;

/// <summary>SPECS section 3, vectors 1–19, on the exact fixture.</summary>
public sealed class DnsVectorTests
{
    private static readonly DnsZone Zone = DnsFixture.Zone();

    private static string[] Data(DnsAnswer a, DnsType type) =>
        [.. a.Answers.Where(r => r.Type == type).Select(r => r.Data)];

    // SRV data minus priority/weight, which the spec leaves open: "port target".
    private static string[] SrvPortTarget(DnsAnswer a) =>
        [.. a.Answers.Where(r => r.Type == DnsType.SRV).Select(r => string.Join(' ', r.Data.Split(' ')[2..])).Order(StringComparer.Ordinal)];

    [Fact]
    public void V01_dns_version_txt()
    {
        var a = DnsResolver.Query(Zone, "dns-version.cluster.local.", DnsType.TXT);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        Assert.Equal(["1.1.0"], Data(a, DnsType.TXT));
    }

    [Fact]
    public void V02_kubernetes_a()
    {
        var a = DnsResolver.Query(Zone, "kubernetes.default.svc.cluster.local.", DnsType.A);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        Assert.Equal(["10.96.0.1"], Data(a, DnsType.A));
        Assert.Equal("kubernetes.default.svc.cluster.local.", a.Answers[0].Name);
    }

    [Fact]
    public void V03_case_insensitive()
    {
        var a = DnsResolver.Query(Zone, "WEB.Prod.svc.CLUSTER.local.", DnsType.A);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        Assert.Equal(["10.96.12.34"], Data(a, DnsType.A));
    }

    [Fact]
    public void V04_wrong_type_is_noerror_empty()
    {
        var a = DnsResolver.Query(Zone, "web.prod.svc.cluster.local.", DnsType.AAAA);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        Assert.Empty(a.Answers);
    }

    [Fact]
    public void V05_srv_named_tcp_port()
    {
        var a = DnsResolver.Query(Zone, "_http._tcp.web.prod.svc.cluster.local.", DnsType.SRV);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        Assert.Equal(["80 web.prod.svc.cluster.local."], SrvPortTarget(a));
        Assert.Equal(["10.96.12.34"], a.Additional.Select(r => r.Data));
    }

    [Fact]
    public void V06_srv_named_udp_port()
    {
        var a = DnsResolver.Query(Zone, "_dns._udp.web.prod.svc.cluster.local.", DnsType.SRV);
        Assert.Equal(["53 web.prod.svc.cluster.local."], SrvPortTarget(a));
    }

    [Fact]
    public void V07_srv_wrong_protocol_nxdomain()
    {
        var a = DnsResolver.Query(Zone, "_http._udp.web.prod.svc.cluster.local.", DnsType.SRV);
        Assert.Equal(DnsRcode.NXDomain, a.Rcode);
        Assert.Empty(a.Answers);
    }

    [Fact]
    public void V08_clusterip_ptr()
    {
        var a = DnsResolver.Query(Zone, "34.12.96.10.in-addr.arpa.", DnsType.PTR);
        Assert.Equal(["web.prod.svc.cluster.local."], Data(a, DnsType.PTR));
    }

    [Fact]
    public void V09_headless_a_only_ready()
    {
        var a = DnsResolver.Query(Zone, "db.prod.svc.cluster.local.", DnsType.A);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        Assert.Equal(["10.244.1.5", "10.244.2.7"], Data(a, DnsType.A).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void V10_headless_per_host()
    {
        var a = DnsResolver.Query(Zone, "db-1.db.prod.svc.cluster.local.", DnsType.A);
        Assert.Equal(["10.244.2.7"], Data(a, DnsType.A));
    }

    [Fact]
    public void V11_headless_srv_per_ready_endpoint()
    {
        var a = DnsResolver.Query(Zone, "_pg._tcp.db.prod.svc.cluster.local.", DnsType.SRV);
        Assert.Equal(["5432 db-0.db.prod.svc.cluster.local.", "5432 db-1.db.prod.svc.cluster.local."], SrvPortTarget(a));
        // CoreDNS's split: priority 0, weight 100/2.
        Assert.All(a.Answers, r => Assert.StartsWith("0 50 ", r.Data));
        Assert.Equal(["10.244.1.5", "10.244.2.7"], a.Additional.Select(r => r.Data).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void V12_headless_ptr()
    {
        var a = DnsResolver.Query(Zone, "5.1.244.10.in-addr.arpa.", DnsType.PTR);
        Assert.Equal(["db-0.db.prod.svc.cluster.local."], Data(a, DnsType.PTR));
    }

    [Fact]
    public void V13_headless_without_ready_endpoints_nxdomain()
    {
        var a = DnsResolver.Query(Zone, "empty.prod.svc.cluster.local.", DnsType.A);
        Assert.Equal(DnsRcode.NXDomain, a.Rcode);
        Assert.Equal(DnsRcode.NXDomain, DnsResolver.Query(Zone, "_pg._tcp.empty.prod.svc.cluster.local.", DnsType.SRV).Rcode);
    }

    [Theory]
    [InlineData(DnsType.A)]
    [InlineData(DnsType.AAAA)]
    public void V14_external_name_cname(DnsType type)
    {
        var a = DnsResolver.Query(Zone, "ext.prod.svc.cluster.local.", type);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        var r = Assert.Single(a.Answers);
        Assert.Equal(DnsType.CNAME, r.Type);
        Assert.Equal("www.example.com.", r.Data);
    }

    [Fact]
    public void V15_unknown_service_nxdomain()
    {
        Assert.Equal(DnsRcode.NXDomain, DnsResolver.Query(Zone, "nosuch.prod.svc.cluster.local.", DnsType.A).Rcode);
    }

    [Fact]
    public void V16_pod_record_insecure()
    {
        var a = DnsResolver.Query(Zone, "10-244-1-5.prod.pod.cluster.local.", DnsType.A);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        Assert.Equal(["10.244.1.5"], Data(a, DnsType.A));
    }

    [Fact]
    public void V17_ipv6_clusterip_ptr()
    {
        var zone = DnsFixture.Zone(v6Kubernetes: true);
        const string name = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
        var a = DnsResolver.Query(zone, name, DnsType.PTR);
        Assert.Equal(["kubernetes.default.svc.cluster.local."], Data(a, DnsType.PTR));
        Assert.Equal(["2001:db8::1"], Data(DnsResolver.Query(zone, "kubernetes.default.svc.cluster.local.", DnsType.AAAA), DnsType.AAAA));
        Assert.Empty(DnsResolver.Query(zone, "kubernetes.default.svc.cluster.local.", DnsType.A).Answers);
    }

    [Fact]
    public void V18_stub_lookup_short_name()
    {
        var cluster = DnsFixture.Cluster();
        var client = cluster.FindPod("prod", "client")!;
        var r = DnsResolver.Lookup(Zone, client, "web", DnsType.A);
        Assert.Equal("web.prod.svc.cluster.local.", r.Tried[0]);
        Assert.Single(r.Tried);
        Assert.Equal(["10.96.12.34"], Data(r.Answer, DnsType.A));
        Assert.Equal("web.prod.svc.cluster.local.", r.ResolvedName);
    }

    [Fact]
    public void V19_stub_lookup_search_order()
    {
        var client = DnsFixture.Cluster().FindPod("prod", "client")!;
        var r = DnsResolver.Lookup(Zone, client, "web.prod", DnsType.A);
        Assert.Equal(["web.prod.prod.svc.cluster.local.", "web.prod.svc.cluster.local."], r.Tried);
        Assert.Equal(DnsRcode.NXDomain, r.Steps[0].Answer.Rcode);
        Assert.Equal(["10.96.12.34"], Data(r.Answer, DnsType.A));
    }
}
