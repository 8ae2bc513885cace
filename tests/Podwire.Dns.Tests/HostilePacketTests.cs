using System.Net;

namespace Podwire.Dns.Tests;

/// <summary>
/// Issue 12's hostile corpus (<see cref="HostileCases"/>) sent over real UDP and TCP sockets to a
/// server on loopback: each message is dropped or answered with the rcode RFC 1035/6891 ask, error
/// answers carry at most the question (and an OPT when the query had a valid one), and none is
/// larger than the query that caused it.
/// </summary>
public sealed class HostilePacketTests(SpecServer spec) : IClassFixture<SpecServer>
{
    private IPEndPoint Server => new(IPAddress.Loopback, spec.Server.Port);

    [Theory]
    [MemberData(nameof(HostileCases.Names), MemberType = typeof(HostileCases))]
    public void OverUdp(string name) => Check(HostileCases.Get(name), Wire.Udp(Server, HostileCases.Get(name).Packet));

    [Theory]
    [MemberData(nameof(HostileCases.Names), MemberType = typeof(HostileCases))]
    public void OverTcp(string name) => Check(HostileCases.Get(name), Wire.Tcp(Server, HostileCases.Get(name).Packet));

    internal static void Check(HostileCases.Case c, Outcome o)
    {
        string what = $"{c.Name}: expected {c.Expect}, got {o}";
        if (c.Expect.Rcode is null)
        {
            Assert.True(o.Dropped, what);
            return;
        }
        Assert.False(o.Dropped, what);
        Assert.True(c.Expect.Rcode == o.Rcode, what);
        Assert.True((c.Expect.Question ? 1 : 0) == o.QuestionCount, what);
        Assert.True(c.Expect.Opt == o.HasOpt, what);
        Assert.False(o.Message!.IsQuery, what);
        Assert.Equal(c.Packet[..2], o.Raw![..2]); // the id
        Assert.Equal((c.Packet[2] >> 3) & 0xF, (int)o.Message.OperationCode);
        if (c.Expect.Question)
        {
            int q = QuestionLength(c.Packet);
            Assert.Equal(c.Packet[12..(12 + q)], o.Raw[12..(12 + q)]); // echoed byte for byte, case included
        }
        if (o.Rcode != 0)
        {
            Assert.True(o.Raw.Length <= c.Packet.Length, $"{what}: an error answer larger than the query amplifies");
            Assert.False(o.Message.IsAuthoritiveAnswer, what);
            Assert.Empty(o.Message.AnswerRecords);
            Assert.Empty(o.Message.AuthorityRecords);
        }
    }

    // The question as the client sent it (the name is never compressed in these cases).
    private static int QuestionLength(byte[] packet)
    {
        int p = 12;
        while (packet[p] != 0) p += 1 + packet[p];
        return p + 1 + 4 - 12;
    }

    [Fact]
    public void AfterTheWholeCorpus_TheServerStillAnswers()
    {
        foreach (var c in HostileCases.All)
        {
            Wire.Udp(Server, c.Packet);
            Wire.Tcp(Server, c.Packet);
        }
        var ok = Wire.UdpReply(Server, Pkt.Cat(Pkt.Header(), Pkt.Question()));
        Assert.Equal(0, ok.Rcode);
        Assert.Single(ok.Message!.AnswerRecords);
    }

    [Fact]
    public void TcpConnection_CarriesOnAfterAnErrorAnswer()
    {
        using var s = Wire.Connect(Server);
        foreach (var packet in new[] { HostileCases.Get("EDNS version 1").Packet, HostileCases.Get("class CH").Packet, Pkt.Cat(Pkt.Header(), Pkt.Question()) })
            s.Send(Pkt.Cat(Pkt.U16(packet.Length), packet));
        Assert.Equal(16, Wire.ReadTcp(s).Rcode);
        Assert.Equal(5, Wire.ReadTcp(s).Rcode);
        Assert.Single(Wire.ReadTcp(s).Message!.AnswerRecords);
    }
}
