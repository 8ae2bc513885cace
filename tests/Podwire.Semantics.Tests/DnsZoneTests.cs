using Podwire.Controllers.Dns;
using Podwire.Model;
using Podwire.Semantics.Dns;
using static Podwire.Semantics.Tests.Build;

namespace Podwire.Semantics.Tests;

public sealed class DnsZoneTests
{
    private static readonly DnsZone Zone = DnsFixture.Zone();

    [Theory]
    [InlineData("prod.svc.cluster.local.")]
    [InlineData("svc.cluster.local.")]
    [InlineData("cluster.local.")]
    [InlineData("_tcp.web.prod.svc.cluster.local.")]
    [InlineData("96.10.in-addr.arpa.")]
    [InlineData("prod.pod.cluster.local.")]
    public void Empty_non_terminals_exist(string name)
    {
        var a = DnsResolver.Query(Zone, name, DnsType.A);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        Assert.Empty(a.Answers);
    }

    [Theory]
    [InlineData("nosuchns.svc.cluster.local.")]
    [InlineData("x.cluster.local.")]
    [InlineData("db-2.db.prod.svc.cluster.local.")]          // not ready: no per-host record
    [InlineData("10-244-3-9.db.prod.svc.cluster.local.")]
    [InlineData("9.3.244.10.in-addr.arpa.")]                 // not ready: no PTR
    [InlineData("99.99.99.10.in-addr.arpa.")]
    [InlineData("10-244-1-5.nosuchns.pod.cluster.local.")]   // CoreDNS requires the namespace
    [InlineData("not-an-ip.prod.pod.cluster.local.")]
    public void Unknown_names_are_nxdomain(string name) =>
        Assert.Equal(DnsRcode.NXDomain, DnsResolver.Query(Zone, name, DnsType.A).Rcode);

    [Fact]
    public void Names_outside_the_zones_are_refused()
    {
        var a = DnsResolver.Query(Zone, "www.example.com", DnsType.A);
        Assert.Equal(DnsRcode.Refused, a.Rcode);
        Assert.True(a.NotInZone);
        Assert.Equal("REFUSED", a.Rcode.ToText());
    }

    [Fact]
    public void Names_without_trailing_dot_are_absolute_in_queries() =>
        Assert.Equal("10.96.0.1", DnsResolver.Query(Zone, "kubernetes.default.svc.cluster.local", DnsType.A).Answers[0].Data);

    [Fact]
    public void Headless_endpoint_without_hostname_gets_dashed_ip_name()
    {
        var cluster = Cluster([Headless("prod", "h", Port("p", 80))],
            [Slice("prod", "h", "h-1", [EpPort("p", 8080)], Ep("10.244.5.6"))]);
        var zone = DnsZoneBuilder.Build(cluster);
        Assert.Equal("10.244.5.6", DnsResolver.Query(zone, "10-244-5-6.h.prod.svc.cluster.local.", DnsType.A).Answers[0].Data);
        var srv = DnsResolver.Query(zone, "_p._tcp.h.prod.svc.cluster.local.", DnsType.SRV);
        // headless SRV carries the endpoint (target) port, weight 100 for a single RR
        Assert.Equal(["0 100 8080 10-244-5-6.h.prod.svc.cluster.local."], srv.Answers.Select(r => r.Data));
        Assert.Equal(["10-244-5-6.h.prod.svc.cluster.local."], DnsResolver.Query(zone, "6.5.244.10.in-addr.arpa.", DnsType.PTR).Answers.Select(r => r.Data));
    }

    [Fact]
    public void Publish_not_ready_addresses_counts_every_endpoint()
    {
        var svc = Headless("prod", "h", Port("p", 80)) with { PublishNotReadyAddresses = true };
        var cluster = Cluster([svc], [Slice("prod", "h", "h-1", [EpPort("p", 80)], Ep("10.244.5.6", ready: false))]);
        var a = DnsResolver.Query(DnsZoneBuilder.Build(cluster), "h.prod.svc.cluster.local.", DnsType.A);
        Assert.Equal(["10.244.5.6"], a.Answers.Select(r => r.Data));
    }

    [Fact]
    public void Ipv6_headless_endpoint_gets_aaaa_and_dashed_name()
    {
        var cluster = Cluster([Headless("prod", "h6")], [Slice("prod", "h6", "h6-1", [], Ep("fd00::5"))]);
        var zone = DnsZoneBuilder.Build(cluster);
        Assert.Equal(["fd00::5"], DnsResolver.Query(zone, "h6.prod.svc.cluster.local.", DnsType.AAAA).Answers.Select(r => r.Data));
        Assert.Equal(["fd00::5"], DnsResolver.Query(zone, "fd00--5.h6.prod.svc.cluster.local.", DnsType.AAAA).Answers.Select(r => r.Data));
        Assert.Empty(DnsResolver.Query(zone, "h6.prod.svc.cluster.local.", DnsType.A).Answers);
    }

    [Fact]
    public void Pod_hostname_subdomain_needs_a_headless_service_and_readiness()
    {
        var pods = new[]
        {
            Pod("prod", "a", "10.244.1.30", hostname: "a", subdomain: "grp"),
            Pod("prod", "b", "10.244.1.31", hostname: "b", subdomain: "grp", ready: false),
            Pod("prod", "c", "10.244.1.32", hostname: "c", subdomain: "nosvc"),
        };
        var zone = DnsZoneBuilder.Build(Cluster([Headless("prod", "grp")], [], pods));
        Assert.Equal(["10.244.1.30"], DnsResolver.Query(zone, "a.grp.prod.svc.cluster.local.", DnsType.A).Answers.Select(r => r.Data));
        Assert.Equal(DnsRcode.NXDomain, DnsResolver.Query(zone, "b.grp.prod.svc.cluster.local.", DnsType.A).Rcode);
        Assert.Equal(DnsRcode.NXDomain, DnsResolver.Query(zone, "c.nosvc.prod.svc.cluster.local.", DnsType.A).Rcode);
    }

    [Fact]
    public void Pod_records_verified_answer_only_existing_pods()
    {
        var zone = DnsFixture.Zone(podRecords: PodRecordsMode.Verified);
        Assert.Equal(["10.244.1.20"], DnsResolver.Query(zone, "10-244-1-20.prod.pod.cluster.local.", DnsType.A).Answers.Select(r => r.Data));
        Assert.Equal(DnsRcode.NXDomain, DnsResolver.Query(zone, "10-244-9-9.prod.pod.cluster.local.", DnsType.A).Rcode);
        Assert.Equal(DnsRcode.NXDomain, DnsResolver.Query(zone, "10-244-1-20.default.pod.cluster.local.", DnsType.A).Rcode);
    }

    [Fact]
    public void Pod_records_disabled_are_nxdomain()
    {
        var zone = DnsFixture.Zone(podRecords: PodRecordsMode.Disabled);
        Assert.Equal(DnsRcode.NXDomain, DnsResolver.Query(zone, "10-244-1-5.prod.pod.cluster.local.", DnsType.A).Rcode);
        Assert.Equal(DnsRcode.NXDomain, DnsResolver.Query(zone, "pod.cluster.local.", DnsType.A).Rcode);
    }

    [Fact]
    public void Insecure_pod_records_parse_ipv6()
    {
        var a = DnsResolver.Query(Zone, "fd00-1--2.prod.pod.cluster.local.", DnsType.AAAA);
        Assert.Equal(["fd00:1::2"], a.Answers.Select(r => r.Data));
    }

    [Fact]
    public void External_name_pointing_into_the_zone_is_chased()
    {
        var cluster = Cluster([Svc("prod", "web", "10.96.12.34"), External("prod", "alias", "web.prod.svc.cluster.local")]);
        var a = DnsResolver.Query(DnsZoneBuilder.Build(cluster), "alias.prod.svc.cluster.local.", DnsType.A);
        Assert.Equal(DnsRcode.NoError, a.Rcode);
        Assert.Equal([(DnsType.CNAME, "web.prod.svc.cluster.local."), (DnsType.A, "10.96.12.34")], a.Answers.Select(r => (r.Type, r.Data)));
    }

    [Fact]
    public void External_name_cname_query_returns_only_the_cname()
    {
        var a = DnsResolver.Query(Zone, "ext.prod.svc.cluster.local.", DnsType.CNAME);
        Assert.Equal([(DnsType.CNAME, "www.example.com.")], a.Answers.Select(r => (r.Type, r.Data)));
    }

    [Fact]
    public void Dual_stack_clusterip_has_a_and_aaaa()
    {
        var svc = Svc("prod", "ds", "10.96.1.1") with { ClusterIPs = ["10.96.1.1", "fd00:10:96::1"] };
        var zone = DnsZoneBuilder.Build(Cluster([svc]));
        Assert.Equal(["10.96.1.1"], DnsResolver.Query(zone, "ds.prod.svc.cluster.local.", DnsType.A).Answers.Select(r => r.Data));
        Assert.Equal(["fd00:10:96::1"], DnsResolver.Query(zone, "ds.prod.svc.cluster.local.", DnsType.AAAA).Answers.Select(r => r.Data));
    }

    [Fact]
    public void Zone_is_keyed_by_lowercase_fqdn_and_records_use_configured_ttl()
    {
        var zone = DnsZoneBuilder.Build(DnsFixture.Cluster() with { });
        Assert.All(zone.Nodes.Keys, k => { Assert.EndsWith(".", k); Assert.Equal(k.ToLowerInvariant(), k); });
        Assert.All(zone.Nodes.Values.SelectMany(n => n.Records), r => Assert.Equal(30, r.Ttl));
        Assert.Equal("10.96.0.10", zone.ServerAddress);
    }

    [Fact]
    public void Build_is_deterministic()
    {
        var a = DnsFixture.Zone();
        var b = DnsFixture.Zone();
        Assert.Equal(a.Nodes.Keys.Order(StringComparer.Ordinal), b.Nodes.Keys.Order(StringComparer.Ordinal));
        foreach (var (k, n) in a.Nodes) Assert.Equal(n.Records, b.Nodes[k].Records);
    }

    [Fact]
    public void Any_query_returns_every_record_at_the_name()
    {
        var a = DnsResolver.Query(Zone, "web.prod.svc.cluster.local.", DnsType.ANY);
        Assert.Equal([(DnsType.A, "10.96.12.34")], a.Answers.Select(r => (r.Type, r.Data)));
    }
}
