using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Podwire.Controllers;
using Podwire.Controllers.Dns;
using Podwire.Model;

namespace Podwire.Dns.Tests;

/// <summary>EDNS0, truncation, REFUSED and forwarding, and snapshot swaps, over the wire with dig.</summary>
public sealed class BehaviourTests
{
    private const string Big = "big.prod.svc.cluster.local.";

    [Fact]
    public void HundredEndpoints_TruncatedOverUdp_WhateverTheClientAdvertises()
    {
        using var server = Fixture.Start(Fixture.Zone(Fixture.BigHeadless(100)));
        var plain = Dig.Run(server.Port, Big, "A", "+ignore", "+noedns");
        Assert.Contains("tc", plain.Flags);
        Assert.Empty(plain.Answers);
        Assert.DoesNotContain("EDNS:", plain.Raw);

        var small = Dig.Run(server.Port, Big, "A", "+ignore", "+bufsize=512");
        Assert.Contains("tc", small.Flags);
        Assert.Empty(small.Answers);
        Assert.Contains("udp: 1232", small.Raw); // OPT in the reply

        // 4096 advertised, but UDP answers stop at 1232 bytes (DNS flag day 2020): this one is ~1.6 KB.
        var large = Dig.Run(server.Port, Big, "A", "+ignore", "+bufsize=4096");
        Assert.Contains("tc", large.Flags);
        Assert.Empty(large.Answers);

        var tcp = Dig.Run(server.Port, Big, "A", "+tcp", "+noedns");
        Assert.DoesNotContain("tc", tcp.Flags);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => $"10.244.9.{i}").Order(), tcp.Data("A").Order());

        // dig's default (1232 bytes) truncates and dig retries over TCP on its own.
        Assert.Equal(100, Dig.Run(server.Port, Big, "A").Data("A").Count());
    }

    [Fact]
    public void SmallAnswer_FitsWithoutEdns()
    {
        using var server = Fixture.Start(Fixture.Zone());
        var r = Dig.Run(server.Port, "db.prod.svc.cluster.local.", "A", "+ignore", "+noedns");
        Assert.DoesNotContain("tc", r.Flags);
        Assert.Equal(2, r.Answers.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OutsideNames_RefusedAtOnce_WithoutUpstreams(bool tcp)
    {
        using var server = Fixture.Start(Fixture.Zone());
        var watch = Stopwatch.StartNew();
        var r = Dig.Run(server.Port, "www.example.org.", "A", tcp ? ["+tcp"] : []);
        Assert.Equal("REFUSED", r.Status);
        Assert.Empty(r.Answers);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        // The zones' own apexes are ours, not refused.
        Assert.Equal("NOERROR", Dig.Run(server.Port, "in-addr.arpa.", "A", tcp ? ["+tcp"] : []).Status);
        Assert.Equal("NXDOMAIN", Dig.Run(server.Port, "9.9.9.9.in-addr.arpa.", "PTR", tcp ? ["+tcp"] : []).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OutsideNames_ForwardedToUpstream(bool tcp)
    {
        // The upstream is a second cluster DNS server for another domain.
        using var upstream = Fixture.Start(Fixture.Zone(new ClusterOptions { ClusterDomain = "upstream.test" }));
        // The server's own default timeout: the first forward through a cold upstream took more than
        // 500 ms on a loaded CI machine (SERVFAIL in a clean-clone run).
        using var server = Fixture.Start(Fixture.Zone(), new DnsServerOptions(new IPEndPoint(IPAddress.Loopback, 0), []).UpstreamTimeout,
            new IPEndPoint(IPAddress.Loopback, upstream.Port));

        var r = Dig.Run(server.Port, "web.prod.svc.upstream.test.", "A", tcp ? ["+tcp"] : []);
        Assert.Equal("NOERROR", r.Status);
        Assert.Equal(["10.96.12.34"], r.Data("A"));
        Assert.Equal("NXDOMAIN", Dig.Run(server.Port, "nosuch.upstream.test.", "A", tcp ? ["+tcp"] : []).Status);
        // In-zone names are still answered locally.
        Assert.Equal(["10.96.12.34"], Dig.Run(server.Port, "web.prod.svc.cluster.local.", "A").Data("A"));
    }

    [Fact]
    public void DeadUpstream_ServFailWithinTheTimeout()
    {
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // receives, never answers
        using var server = Fixture.Start(Fixture.Zone(), (IPEndPoint)sink.LocalEndPoint!);
        var watch = Stopwatch.StartNew();
        var r = Dig.Run(server.Port, "www.example.org.", "A");
        Assert.Equal("SERVFAIL", r.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Update_IsVisibleWithoutRestart()
    {
        using var server = Fixture.Start(Fixture.Zone());
        const string name = "late.prod.svc.cluster.local.";
        Assert.Equal("NXDOMAIN", Dig.Run(server.Port, name, "A").Status);
        server.Update(Fixture.Zone("""
            apiVersion: v1
            kind: Service
            metadata: {name: late, namespace: prod}
            spec: {clusterIP: 10.96.77.7, ports: [{name: http, port: 80}]}
            """));
        Assert.Equal(["10.96.77.7"], Dig.Run(server.Port, name, "A").Data("A"));
        Assert.Equal(["10.96.77.7"], Dig.Run(server.Port, name, "A", "+tcp").Data("A"));
        server.Update(Fixture.Zone());
        Assert.Equal("NXDOMAIN", Dig.Run(server.Port, name, "A").Status);
    }

    [Fact]
    public void Ttl_IsTheZones()
    {
        using var server = Fixture.Start(Fixture.Zone(new ClusterOptions { DnsTtl = 7 }));
        var r = Dig.Run(server.Port, "web.prod.svc.cluster.local.", "A");
        Assert.Matches(@"web\.prod\.svc\.cluster\.local\.\s+7\s+IN\s+A\s+10\.96\.12\.34", r.Raw);
    }
}
