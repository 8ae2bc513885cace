using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Podwire.Dns.Tests;

/// <summary>
/// UDP size rules (RFC 1035 §4.2.1, RFC 6891 §6.2.5, DNS flag day 2020): at most 512 bytes without
/// EDNS, else the advertised size clamped to 512…1232, with TC and only the question beyond that.
/// </summary>
public sealed class TruncationTests
{
    private const string Big = "big.prod.svc.cluster.local.";

    private static byte[] Query(int? edns) => edns is int size
        ? Pkt.Cat(Pkt.Header(ar: 1), Pkt.Question(Big), Pkt.Opt(size: size))
        : Pkt.Cat(Pkt.Header(), Pkt.Question(Big));

    [Theory]
    [InlineData(null)]
    [InlineData(100)]
    [InlineData(512)]
    [InlineData(1232)]
    [InlineData(4096)]
    [InlineData(65535)]
    public void TwoKilobyteAnswer_TruncatedOverUdp_WhateverTheClientAdvertises(int? edns)
    {
        using var server = Fixture.Start(Fixture.Zone(Fixture.BigHeadless(120)));
        var ep = new IPEndPoint(IPAddress.Loopback, server.Port);
        var full = Wire.Tcp(ep, Query(edns));
        Assert.True(full.Raw!.Length > 1900, $"the answer is {full.Raw.Length} bytes");
        Assert.Equal(120, full.Message!.AnswerRecords.Count);

        var udp = Wire.UdpReply(ep, Query(edns));
        Assert.True(udp.Truncated);
        Assert.Empty(udp.Message!.AnswerRecords);
        Assert.Single(udp.Message.Questions);
        Assert.Equal(edns is not null, udp.HasOpt);
        Assert.True(udp.Raw!.Length <= (edns is null ? 512 : 1232));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(100, true)]   // under 512 means 512
    [InlineData(700, true)]
    [InlineData(1232, false)]
    [InlineData(4096, false)]
    public void AnswerBetween512And1232_FitsOnlyWhereAdvertised(int? edns, bool truncated)
    {
        using var server = Fixture.Start(Fixture.Zone(Fixture.BigHeadless(60)));
        var ep = new IPEndPoint(IPAddress.Loopback, server.Port);
        var udp = Wire.UdpReply(ep, Query(edns));
        Assert.Equal(truncated, udp.Truncated);
        Assert.Equal(truncated ? 0 : 60, udp.Message!.AnswerRecords.Count);
        int limit = edns is null ? 512 : Math.Clamp(edns.Value, 512, 1232);
        Assert.True(udp.Raw!.Length <= limit, $"{udp.Raw.Length} bytes for a limit of {limit}");
        if (!truncated) Assert.True(udp.Raw.Length > 512);
    }

    [Fact]
    public async Task UpstreamReplyLargerThanTheClientsLimit_RelayedAsTruncated()
    {
        // A fake upstream that answers every query with 2,000 bytes (id and question echoed, then padding).
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        upstream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        upstream.ReceiveTimeout = (int)Wire.HangBound.TotalMilliseconds;
        var answering = Task.Run(() =>
        {
            var buf = new byte[65535];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = upstream.ReceiveFrom(buf, ref from);
            var reply = new byte[2000];
            buf.AsSpan(0, n).CopyTo(reply);
            reply[2] |= 0x80;
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(10), 0);
            upstream.SendTo(reply, from);
        });
        using var server = Fixture.Start(Fixture.Zone(), Wire.HangBound, (IPEndPoint)upstream.LocalEndPoint!);
        var query = Pkt.Cat(Pkt.Header(ar: 1), Pkt.Question("www.example.org."), Pkt.Opt(size: 4096));
        var r = Wire.UdpReply(new IPEndPoint(IPAddress.Loopback, server.Port), query);
        await answering.WaitAsync(Wire.HangBound);
        Assert.True(r.Truncated);
        Assert.True(r.HasOpt);
        Assert.Equal(12 + Pkt.Question("www.example.org.").Length + 11, r.Raw!.Length);
    }
}
