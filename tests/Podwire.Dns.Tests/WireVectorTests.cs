using Podwire.Controllers.Dns;
using Podwire.Semantics.Dns;

namespace Podwire.Dns.Tests;

/// <summary>Shares one server on the SPECS fixture among the vector tests.</summary>
public sealed class SpecServer : IDisposable
{
    public SpecServer()
    {
        Zone = Fixture.Zone();
        Server = Fixture.Start(Zone);
    }

    public DnsZone Zone { get; }
    public DnsServer Server { get; }
    public void Dispose() => Server.Dispose();
}

/// <summary>Every DNS vector of SPECS section 3, asked with dig over UDP and over TCP.</summary>
public sealed class WireVectorTests(SpecServer spec) : IClassFixture<SpecServer>
{
    public static TheoryData<int, string, string, string, string[], bool> Vectors()
    {
        var data = new TheoryData<int, string, string, string, string[], bool>();
        (int, string, string, string, string[])[] vectors =
        [
            (1, "dns-version.cluster.local.", "TXT", "NOERROR", ["TXT 1.1.0"]),
            (2, "kubernetes.default.svc.cluster.local.", "A", "NOERROR", ["A 10.96.0.1"]),
            (3, "WEB.Prod.svc.CLUSTER.local.", "A", "NOERROR", ["A 10.96.12.34"]),
            (4, "web.prod.svc.cluster.local.", "AAAA", "NOERROR", []),
            (5, "_http._tcp.web.prod.svc.cluster.local.", "SRV", "NOERROR", ["SRV 80 web.prod.svc.cluster.local."]),
            (6, "_dns._udp.web.prod.svc.cluster.local.", "SRV", "NOERROR", ["SRV 53 web.prod.svc.cluster.local."]),
            (7, "_http._udp.web.prod.svc.cluster.local.", "SRV", "NXDOMAIN", []),
            (8, "34.12.96.10.in-addr.arpa.", "PTR", "NOERROR", ["PTR web.prod.svc.cluster.local."]),
            (9, "db.prod.svc.cluster.local.", "A", "NOERROR", ["A 10.244.1.5", "A 10.244.2.7"]),
            (10, "db-1.db.prod.svc.cluster.local.", "A", "NOERROR", ["A 10.244.2.7"]),
            (11, "_pg._tcp.db.prod.svc.cluster.local.", "SRV", "NOERROR", ["SRV 5432 db-0.db.prod.svc.cluster.local.", "SRV 5432 db-1.db.prod.svc.cluster.local."]),
            (12, "5.1.244.10.in-addr.arpa.", "PTR", "NOERROR", ["PTR db-0.db.prod.svc.cluster.local."]),
            (13, "empty.prod.svc.cluster.local.", "A", "NXDOMAIN", []),
            (14, "ext.prod.svc.cluster.local.", "A", "NOERROR", ["CNAME www.example.com."]),
            (15, "nosuch.prod.svc.cluster.local.", "A", "NXDOMAIN", []),
            (16, "10-244-1-5.prod.pod.cluster.local.", "A", "NOERROR", ["A 10.244.1.5"]),
        ];
        foreach (var (n, name, type, status, answers) in vectors)
            foreach (bool tcp in new[] { false, true })
                data.Add(n, name, type, status, answers, tcp);
        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Vector(int n, string name, string type, string status, string[] expected, bool tcp)
    {
        var r = Dig.Run(spec.Server.Port, name, type, tcp ? ["+tcp"] : []);
        Assert.True(status == r.Status, $"vector {n}: {r.Raw}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), r.Answers.Select(Shown).Order(StringComparer.Ordinal));
        Assert.Contains("aa", r.Flags);
        // RFC 4343: the answer's owner echoes the question's case.
        foreach (var a in r.Answers) Assert.Equal(name, a.Name);
    }

    // SRV priority and weight are not prescribed (SPECS): compare port and target only.
    private static string Shown((string Name, string Type, string Data) a)
    {
        if (a.Type != "SRV") return a.Type + " " + a.Data;
        var f = a.Data.Split(' ');
        return $"SRV {f[2]} {f[3]}";
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Vector17_V6ClusterIpPtr(bool tcp)
    {
        using var server = Fixture.Start(Fixture.Zone(Fixture.V6Kubernetes));
        const string name = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
        var r = Dig.Run(server.Port, name, "PTR", tcp ? ["+tcp"] : []);
        Assert.Equal("NOERROR", r.Status);
        Assert.Equal(["kubernetes.default.svc.cluster.local."], r.Data("PTR"));
        Assert.Equal(["2001:db8::1"], Dig.Run(server.Port, "kubernetes.default.svc.cluster.local.", "AAAA").Data("AAAA"));
    }

    // Vectors 18 and 19: the names a pod's stub resolver tries (from its resolv.conf), asked in order over the wire.
    [Theory]
    [InlineData("web", new[] { "web.prod.svc.cluster.local." }, new[] { "NOERROR" })]
    [InlineData("web.prod", new[] { "web.prod.prod.svc.cluster.local.", "web.prod.svc.cluster.local." }, new[] { "NXDOMAIN", "NOERROR" })]
    public void Vectors18And19_StubSearchOverTheWire(string query, string[] names, string[] statuses)
    {
        var cluster = Fixture.Cluster();
        var pod = cluster.FindPod("prod", "db-0")!;
        var conf = ResolvConf.For(pod, cluster);
        var candidates = DnsResolver.Candidates(conf, query);
        var asked = new List<string>();
        for (int i = 0; i < candidates.Count; i++)
        {
            var r = Dig.Run(spec.Server.Port, candidates[i], "A");
            asked.Add(candidates[i]);
            Assert.Equal(statuses[i], r.Status);
            if (r.Status == "NOERROR" && r.Answers.Count > 0)
            {
                Assert.Equal(["10.96.12.34"], r.Data("A"));
                break;
            }
        }
        Assert.Equal(names, asked);
    }
}
