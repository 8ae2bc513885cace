using Podwire.Controllers.Dns;
using Podwire.Model;
using Podwire.Semantics.Dns;
using static Podwire.Semantics.Tests.Build;

namespace Podwire.Semantics.Tests;

public sealed class ResolvConfTests
{
    private static readonly Podwire.Controllers.DerivedCluster ClusterWithDns = DnsFixture.Cluster();

    [Fact]
    public void Cluster_first_uses_kube_dns_and_the_search_list()
    {
        var conf = ResolvConf.For(Pod("prod", "p", "10.244.1.1"), ClusterWithDns);
        Assert.Equal(["10.96.0.10"], conf.Nameservers);
        Assert.Equal(["prod.svc.cluster.local", "svc.cluster.local", "cluster.local"], conf.Searches);
        Assert.Equal(5, conf.Ndots);
        Assert.Equal("search prod.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n", conf.ToFileText());
    }

    [Fact]
    public void Kube_dns_service_address_wins_over_the_convention()
    {
        var cluster = Cluster([Svc("kube-system", "kube-dns", "10.96.0.53")]);
        Assert.Equal(["10.96.0.53"], ResolvConf.For(Pod("a", "p", "10.244.1.1"), cluster).Nameservers);
        Assert.Equal(["10.96.0.10"], ResolvConf.For(Pod("a", "p", "10.244.1.1"), Cluster([])).Nameservers);
    }

    [Fact]
    public void Host_network_cluster_first_falls_back_to_default()
    {
        var conf = ResolvConf.For(Pod("prod", "p", "172.18.0.2", hostNetwork: true), ClusterWithDns);
        Assert.Empty(conf.Nameservers);
        Assert.Empty(conf.Searches);
        Assert.Equal(1, conf.Ndots);
        Assert.Equal("", conf.ToFileText());
    }

    [Fact]
    public void Cluster_first_with_host_net_uses_cluster_dns()
    {
        var conf = ResolvConf.For(Pod("prod", "p", "172.18.0.2", hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet"), ClusterWithDns);
        Assert.Equal(["10.96.0.10"], conf.Nameservers);
        Assert.Equal("prod.svc.cluster.local", conf.Searches[0]);
    }

    [Fact]
    public void Default_policy_uses_the_unknown_node_resolv_conf()
    {
        var conf = ResolvConf.For(Pod("prod", "p", "10.244.1.1", dnsPolicy: "Default"), ClusterWithDns);
        Assert.Empty(conf.Nameservers);
        Assert.Empty(conf.Searches);
    }

    [Fact]
    public void None_policy_takes_only_dns_config()
    {
        var cfg = new DnsConfig(["1.1.1.1"], ["corp.example"], [("ndots", "2"), ("edns0", null)]);
        var conf = ResolvConf.For(Pod("prod", "p", "10.244.1.1", dnsPolicy: "None", dnsConfig: cfg), ClusterWithDns);
        Assert.Equal("search corp.example\nnameserver 1.1.1.1\noptions ndots:2 edns0\n", conf.ToFileText());
    }

    [Fact]
    public void Dns_config_merges_without_duplicates_and_overrides_options()
    {
        var cfg = new DnsConfig(["10.96.0.10", "1.1.1.1"], ["svc.cluster.local", "corp.example"], [("ndots", "2"), ("timeout", "1")]);
        var conf = ResolvConf.For(Pod("prod", "p", "10.244.1.1", dnsConfig: cfg), ClusterWithDns);
        Assert.Equal(["10.96.0.10", "1.1.1.1"], conf.Nameservers);
        Assert.Equal(["prod.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"], conf.Searches);
        Assert.Equal(["ndots:2", "timeout:1"], conf.Options.Select(o => o.ToString()));
        Assert.Equal(2, conf.Ndots);
    }

    [Fact]
    public void Limits_three_nameservers_and_32_searches()
    {
        var cfg = new DnsConfig(["1.1.1.1", "8.8.8.8", "9.9.9.9"], [.. Enumerable.Range(0, 40).Select(i => $"d{i}.example")], []);
        var conf = ResolvConf.For(Pod("prod", "p", "10.244.1.1", dnsConfig: cfg), ClusterWithDns);
        Assert.Equal(["10.96.0.10", "1.1.1.1", "8.8.8.8"], conf.Nameservers);
        Assert.Equal(32, conf.Searches.Count);
        Assert.Equal("d28.example", conf.Searches[^1]);
    }

    [Fact]
    public void Limits_search_line_to_2048_characters()
    {
        string Long(int i) => new string((char)('a' + i), 60) + ".example"; // 68 chars
        var cfg = new DnsConfig([], [.. Enumerable.Range(0, 26).Select(Long)], []);
        var conf = ResolvConf.For(Pod("prod", "p", "10.244.1.1", dnsPolicy: "None", dnsConfig: cfg), ClusterWithDns);
        int length = string.Join(' ', conf.Searches).Length;
        Assert.True(length <= ResolvConf.MaxSearchChars);
        Assert.Equal(26, conf.Searches.Count); // 26*69-1 = 1793 fits
        var cfg2 = cfg with { Searches = [.. Enumerable.Range(0, 31).Select(i => new string('x', 60) + i + ".example")] };
        var conf2 = ResolvConf.For(Pod("prod", "p", "10.244.1.1", dnsPolicy: "None", dnsConfig: cfg2), ClusterWithDns);
        Assert.True(string.Join(' ', conf2.Searches).Length <= ResolvConf.MaxSearchChars);
        Assert.Equal(29, conf2.Searches.Count); // 10×69 + 19×70 + 28 spaces = 2048 exactly; a 30th does not fit
    }
}

public sealed class StubLookupTests
{
    private static readonly DnsZone Zone = DnsFixture.Zone();
    private static readonly Pod Client = DnsFixture.Cluster().FindPod("prod", "client")!;

    [Fact]
    public void Absolute_name_is_asked_once()
    {
        var r = DnsResolver.Lookup(Zone, Client, "web.prod.svc.cluster.local.", DnsType.A);
        Assert.Equal(["web.prod.svc.cluster.local."], r.Tried);
        Assert.True(r.Answer.HasData);
    }

    [Fact]
    public void Name_with_enough_dots_is_asked_as_is_first()
    {
        var r = DnsResolver.Lookup(Zone, Client, "a.b.c.d.e.example", DnsType.A);
        Assert.Equal("a.b.c.d.e.example.", r.Tried[0]);
        Assert.Equal(4, r.Tried.Count);
        Assert.Null(r.ResolvedName);
    }

    [Fact]
    public void External_name_walks_the_whole_search_list_before_the_plain_name()
    {
        var r = DnsResolver.Lookup(Zone, Client, "www.example.com", DnsType.A);
        Assert.Equal(["www.example.com.prod.svc.cluster.local.", "www.example.com.svc.cluster.local.",
            "www.example.com.cluster.local.", "www.example.com."], r.Tried);
        Assert.Equal(DnsRcode.Refused, r.Answer.Rcode); // forwarded upstream in a real cluster
    }

    [Fact]
    public void Service_in_other_namespace_by_svc_suffix()
    {
        var r = DnsResolver.Lookup(Zone, Client, "kubernetes.default.svc", DnsType.A);
        Assert.Equal(["kubernetes.default.svc.prod.svc.cluster.local.", "kubernetes.default.svc.svc.cluster.local.",
            "kubernetes.default.svc.cluster.local."], r.Tried);
        Assert.Equal("10.96.0.1", r.Answer.Answers[0].Data);
    }

    [Fact]
    public void Nodata_is_preferred_over_nxdomain_when_nothing_resolves()
    {
        var r = DnsResolver.Lookup(Zone, Client, "web", DnsType.AAAA);
        Assert.Equal(DnsRcode.NoError, r.Answer.Rcode);
        Assert.Empty(r.Answer.Answers);
        Assert.Equal(4, r.Tried.Count);
    }
}
