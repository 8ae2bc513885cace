using System.Net;
using System.Net.Sockets;

namespace Podwire.Dns.Tests;

/// <summary>
/// TCP clients that stall, or whose length prefix promises more than they send, hold only their own
/// connection, only until the idle timeout, and only up to the connection bound. Waits are for
/// events (a close, a count), bounded by <see cref="Wire.HangBound"/> only to catch a hang.
/// </summary>
public sealed class TcpStallTests
{
    private static DnsServer Start(TimeSpan idle, int maxConnections = 256) =>
        DnsServer.Start(new DnsServerOptions(new IPEndPoint(IPAddress.Loopback, 0), [])
        { TcpIdleTimeout = idle, MaxTcpConnections = maxConnections }, Fixture.Zone());

    private static byte[] Framed(byte[] m) => Pkt.Cat(Pkt.U16(m.Length), m);
    private static readonly byte[] Query = Pkt.Cat(Pkt.Header(), Pkt.Question());

    // Each stalls differently: silent, half a length prefix, a prefix promising 500 bytes with 10
    // sent, a prefix of 65535 with a whole query after it (the rest never comes).
    private static List<Socket> Stall(IPEndPoint ep)
    {
        var stalled = new List<Socket>();
        foreach (var bytes in new[] { Array.Empty<byte>(), [0x01], Pkt.Cat(Pkt.U16(500), new byte[10]), Pkt.Cat(Pkt.U16(65535), Query) })
        {
            var s = Wire.Connect(ep);
            if (bytes.Length > 0) s.Send(bytes);
            stalled.Add(s);
        }
        return stalled;
    }

    [Fact]
    public void StalledClients_DoNotDelayOthers()
    {
        // An idle timeout far above the hang bound: if stalled clients blocked the server, the
        // others' answers could not arrive in time.
        using var server = Start(TimeSpan.FromMinutes(5));
        var ep = new IPEndPoint(IPAddress.Loopback, server.Port);
        var stalled = Stall(ep);
        try
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.Single(Wire.Tcp(ep, Query).Message!.AnswerRecords);
                Assert.Single(Wire.UdpReply(ep, Query).Message!.AnswerRecords);
            }
            // A stalled connection can still finish its message and be answered.
            stalled[2].Send(new byte[490]);
            Assert.Equal(1, Wire.ReadTcp(stalled[2]).Rcode); // 500 zero bytes: QDCOUNT 0, FORMERR
        }
        finally { foreach (var s in stalled) s.Dispose(); }
    }

    [Fact]
    public void StalledAndLyingConnections_ClosedAfterTheIdleTimeout()
    {
        using var server = Start(TimeSpan.FromMilliseconds(300));
        var ep = new IPEndPoint(IPAddress.Loopback, server.Port);
        var stalled = Stall(ep);
        try
        {
            foreach (var s in stalled) Assert.True(Wire.Closed(s));
            Assert.True(SpinWait.SpinUntil(() => server.TcpConnections == 0, Wire.HangBound));
        }
        finally { foreach (var s in stalled) s.Dispose(); }
    }

    [Fact]
    public void ConnectionCount_IsBounded_AndSlotsComeBack()
    {
        using var server = Start(TimeSpan.FromMinutes(5), maxConnections: 3);
        var ep = new IPEndPoint(IPAddress.Loopback, server.Port);
        var held = new List<Socket>();
        try
        {
            for (int i = 0; i < 3; i++) held.Add(Wire.Connect(ep));
            Assert.True(SpinWait.SpinUntil(() => server.TcpConnections == 3, Wire.HangBound));

            using (var extra = Wire.Connect(ep)) Assert.True(Wire.Closed(extra));
            Assert.Equal(3, server.TcpConnections);

            // The held ones still work; one leaves, and its slot serves a newcomer.
            held[0].Send(Framed(Query));
            Assert.Single(Wire.ReadTcp(held[0]).Message!.AnswerRecords);
            held[0].Dispose();
            Assert.True(SpinWait.SpinUntil(() => server.TcpConnections == 2, Wire.HangBound));
            Assert.Single(Wire.Tcp(ep, Query).Message!.AnswerRecords);
            // UDP is never affected by the TCP bound.
            Assert.Single(Wire.UdpReply(ep, Query).Message!.AnswerRecords);
        }
        finally { foreach (var s in held) s.Dispose(); }
    }

    [Fact]
    public void ClientThatNeverReads_IsClosedAfterTheIdleTimeout()
    {
        // ~2 KB answers, pipelined 5,000 times and never read: ~10 MB, more than the loopback
        // socket buffers hold, so the server's writes back up and must time out.
        using var server = DnsServer.Start(new DnsServerOptions(new IPEndPoint(IPAddress.Loopback, 0), [])
        { TcpIdleTimeout = TimeSpan.FromMilliseconds(300) }, Fixture.Zone(Fixture.BigHeadless(120)));
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        { ReceiveBufferSize = 4096, SendTimeout = (int)Wire.HangBound.TotalMilliseconds };
        s.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
        var burst = Pkt.Cat([.. Enumerable.Repeat(Framed(Pkt.Cat(Pkt.Header(), Pkt.Question("big.prod.svc.cluster.local."))), 5000)]);
        try { s.Send(burst); } catch (SocketException) { } // the server closes (and resets) before all is sent
        Assert.True(SpinWait.SpinUntil(() => server.TcpConnections == 0, Wire.HangBound));
    }
}
