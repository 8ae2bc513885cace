using Podwire.Lab.Trace;
using Podwire.Cli.Commands;

namespace Podwire.Cli.Tests;

/// <summary>The <c>nft monitor trace</c> parser, on lines captured from nft 1.0.6 in a lab (pod → Service).</summary>
public sealed class TraceParserTests
{
    private const string Captured = """
        trace id 696ea77a inet podwire-trace pre packet: iif "cni0" ether saddr 0a:af:86:1d:34:f6 ether daddr aa:e8:e3:e5:19:4a ip saddr 10.244.0.7 ip daddr 10.103.27.136 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 29863 ip protocol tcp ip length 60 tcp sport 48832 tcp dport 80 tcp flags == syn tcp window 64860 
        trace id 696ea77a inet podwire-trace pre rule ip saddr 10.244.0.7 tcp dport 80 meta nftrace set 1 (verdict continue)
        trace id 696ea77a inet podwire-trace pre policy accept 
        trace id 696ea77a ip podwire-proxy nat-prerouting rule jump services (verdict jump services)
        trace id 696ea77a ip podwire-proxy services rule ip saddr 10.244.0.0/16 ip daddr . meta l4proto . th dport vmap @internal (verdict goto lb-2)
        trace id 696ea77a ip podwire-proxy lb-2 rule meta mark set numgen random mod 2 (verdict continue)
        trace id 696ea77a ip podwire-proxy backend rule dnat ip to ip daddr . meta l4proto . th dport . meta mark map @backends (verdict accept)
        trace id 696ea77a inet podwire-policy forward packet: iif "cni0" oif "cni0" ether saddr 0a:af:86:1d:34:f6 ether daddr 72:19:93:34:5a:4b ip saddr 10.244.0.7 ip daddr 10.244.0.5 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 29863 ip protocol tcp ip length 60 tcp sport 48832 tcp dport 8081 tcp flags == syn tcp window 64860 
        trace id 696ea77a inet podwire-policy egress-9 rule ip daddr @pods-6 tcp dport 8081 return comment "shop/web-to-apis rule 0" (verdict return)
        trace id 696ea77a inet podwire-policy forward policy accept meta mark 0x00000001 
        """;

    [Fact]
    public void ParsesEveryKindOfLineInOrder()
    {
        var events = TraceParser.Parse(Captured.Replace("\r\n", "\n"));
        Assert.Equal(10, events.Count);
        Assert.Equal(new TraceEvent("696ea77a", "inet", "podwire-trace", "pre", "rule", "ip saddr 10.244.0.7 tcp dport 80 meta nftrace set 1", "continue"), events[1]);
        Assert.Equal(new TraceEvent("696ea77a", "inet", "podwire-trace", "pre", "policy", null, "accept"), events[2]);
        Assert.Equal(new TraceEvent("696ea77a", "ip", "podwire-proxy", "nat-prerouting", "rule", "jump services", "jump services"), events[3]);
        Assert.Equal("goto lb-2", events[4].Verdict);
        Assert.Equal("ip saddr 10.244.0.0/16 ip daddr . meta l4proto . th dport vmap @internal", events[4].Rule);
        Assert.Equal(("podwire-proxy", "backend", "accept"), (events[6].Table, events[6].Chain, events[6].Verdict));
        Assert.Equal("packet", events[7].Kind);
        Assert.Null(events[7].Verdict);
        Assert.Equal("ip daddr @pods-6 tcp dport 8081 return comment \"shop/web-to-apis rule 0\"", events[8].Rule);
        Assert.Equal(new TraceEvent("696ea77a", "inet", "podwire-policy", "forward", "policy", null, "accept"), events[9]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("trace id 1 inet t")]
    [InlineData("Error: Could not process rule")]
    public void IgnoresLinesThatAreNotTraces(string line) => Assert.Null(TraceParser.ParseLine(line));

    [Theory]
    [InlineData("dnat ip to ip daddr . meta l4proto . th dport . meta mark map @backends", null)]
    [InlineData("meta l4proto tcp dnat ip to 10.244.1.5:8080", "10.244.1.5:8080")]
    [InlineData("dnat to 10.244.1.5", "10.244.1.5")]
    [InlineData("jump services", null)]
    public void DnatTargetIsALiteralEndpointOnly(string rule, string? expected) => Assert.Equal(expected, TraceParser.DnatTarget(rule));

    [Fact]
    public void DestinationComesFromThePacketDump()
    {
        var packet = TraceParser.Parse(Captured)[7].Rule;
        Assert.Equal("10.244.0.5:8081", TraceParser.Destination(packet));
        Assert.Equal("10.0.0.1", TraceParser.Destination("ip saddr 10.0.0.2 ip daddr 10.0.0.1 icmp type echo-request"));
        Assert.Equal("10.244.2.10:9000", TraceParser.Destination("ip saddr 10.244.1.10 ip daddr 10.244.2.10 ip length 52 sctp sport 50000 sctp dport 9000 sctp vtag 0 @th,96,64 0x0"));
        Assert.Null(TraceParser.Destination(null));
    }
}
