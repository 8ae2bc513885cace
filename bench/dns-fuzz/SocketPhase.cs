using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Podwire.Dns;

namespace Podwire.DnsFuzz;

/// <summary>
/// Part of the generated corpus over real sockets to a server on loopback: each message is
/// followed by a valid probe, so every reply before the probe's belongs to the message (the
/// server answers one source in order), and the probe's answer shows the server is still alive.
/// </summary>
internal static class SocketPhase
{
    private const ushort ProbeId = 0xBEEF;
    private static readonly byte[] Probe =
        [0xBE, 0xEF, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, .. "web"u8, 4, .. "prod"u8, 3, .. "svc"u8, 7, .. "cluster"u8, 5, .. "local"u8, 0, 0, 1, 0, 1];

    public static void Run(DnsSnapshot snapshot, Generator gen, int count, Checker checker)
    {
        using var server = DnsServer.Start(new DnsServerOptions(new IPEndPoint(IPAddress.Loopback, 0), []) { TcpIdleTimeout = TimeSpan.FromSeconds(2) }, snapshot);
        var ep = new IPEndPoint(IPAddress.Loopback, server.Port);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        udp.Connect(ep);
        var buf = new byte[65535];
        for (int i = 0; i < count; i++)
        {
            var packet = gen.Next();
            if (packet.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(packet) == ProbeId) continue;
            udp.Send(packet);
            udp.Send(Probe);
            checker.SocketSent++;
            while (true)
            {
                int n;
                try { n = udp.Receive(buf); }
                catch (SocketException e) { checker.Fail($"UDP: no answer to the probe ({e.SocketErrorCode}): server hung or dead", packet); return; }
                if (n >= 2 && BinaryPrimitives.ReadUInt16BigEndian(buf) == ProbeId) break;
                checker.Count("socket UDP: replies");
                checker.CheckReply(packet, buf[..n], udp: true, "UDP");
            }
            if (i % 10 == 0) Tcp(ep, packet, checker);
        }
    }

    private static void Tcp(IPEndPoint ep, byte[] packet, Checker checker)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
        s.Connect(ep);
        s.Send([.. U16(packet.Length), .. packet, .. U16(Probe.Length), .. Probe]);
        checker.SocketSent++;
        while (true)
        {
            var len = new byte[2];
            if (!Read(s, len)) { checker.Count("socket TCP: closed"); return; }
            var reply = new byte[BinaryPrimitives.ReadUInt16BigEndian(len)];
            if (!Read(s, reply)) { checker.Fail("TCP: closed mid-reply", packet); return; }
            if (reply.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(reply) == ProbeId) return;
            checker.Count("socket TCP: replies");
            checker.CheckReply(packet, reply, udp: false, "TCP");
        }
    }

    private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    private static bool Read(Socket s, byte[] buf)
    {
        int read = 0;
        while (read < buf.Length)
        {
            int n;
            try { n = s.Receive(buf, read, buf.Length - read, SocketFlags.None); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { return false; }
            if (n == 0) return false;
            read += n;
        }
        return true;
    }
}
