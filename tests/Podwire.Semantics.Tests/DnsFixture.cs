using Podwire.Controllers;
using Podwire.Controllers.Dns;
using Podwire.Model;
using static Podwire.Semantics.Tests.Build;

namespace Podwire.Semantics.Tests;

/// <summary>The DNS test fixture of SPECS section 3 (zone cluster.local, DNS server 10.96.0.10).</summary>
internal static class DnsFixture
{
    public static DerivedCluster Cluster(bool v6Kubernetes = false, PodRecordsMode podRecords = PodRecordsMode.Insecure)
    {
        var kubernetes = Svc("default", "kubernetes", "10.96.0.1", Port("https", 443));
        if (v6Kubernetes) kubernetes = kubernetes with { ClusterIP = "2001:db8::1", ClusterIPs = ["2001:db8::1"] };
        var services = new[]
        {
            kubernetes,
            Svc("kube-system", "kube-dns", "10.96.0.10", Port("dns", 53, Protocol.UDP), Port("dns-tcp", 53)),
            Svc("prod", "web", "10.96.12.34", Port("http", 80), Port("dns", 53, Protocol.UDP)),
            Headless("prod", "db", Port("pg", 5432)),
            Headless("prod", "empty", Port("pg", 5432)),
            External("prod", "ext", "www.example.com"),
        };
        var slices = new[]
        {
            Slice("prod", "db", "db-abc12", [EpPort("pg", 5432)],
                Ep("10.244.1.5", hostname: "db-0", pod: "db-0"),
                Ep("10.244.2.7", hostname: "db-1", pod: "db-1"),
                Ep("10.244.3.9", ready: false, serving: false, pod: "db-2")),
            Slice("prod", "empty", "empty-xyz", [EpPort("pg", 5432)],
                Ep("10.244.3.10", ready: false, serving: false)),
        };
        var pods = new[]
        {
            Pod("prod", "client", "10.244.1.20"),
            Pod("prod", "db-0", "10.244.1.5", hostname: "db-0", subdomain: "db"),
        };
        var options = new ClusterOptions { PodRecords = podRecords };
        return Build.Cluster(services, slices, pods, options);
    }

    public static DnsZone Zone(bool v6Kubernetes = false, PodRecordsMode podRecords = PodRecordsMode.Insecure) =>
        DnsZoneBuilder.Build(Cluster(v6Kubernetes, podRecords));
}
