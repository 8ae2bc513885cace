using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;

namespace Podwire.Dns.Tests;

/// <summary>What came back for one message: nothing (dropped), or the reply's bytes decoded by ARSoft.Tools.Net.</summary>
public sealed record Outcome(byte[]? Raw, DnsMessage? Message)
{
    public bool Dropped => Raw is null;

    /// <summary>The full rcode: the header's 4 bits plus the OPT's extended 8 (RFC 6891 §6.1.3), read from the bytes.</summary>
    public int Rcode
    {
        get
        {
            var r = Raw!;
            int rcode = r[3] & 0x0F;
            int ar = BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(10));
            // Both servers append their OPT last: 11 bytes, root owner, type 41.
            if (ar > 0 && r.Length >= 23 && r[^11] == 0 && r[^10] == 0 && r[^9] == 41) rcode |= r[^6] << 4;
            return rcode;
        }
    }

    public bool HasOpt => Message!.IsEDnsEnabled;
    public int QuestionCount => Message!.Questions.Count;
    public bool Truncated => Message!.IsTruncated;

    public override string ToString() => Dropped ? "drop"
        : $"rcode {Rcode}{(QuestionCount > 0 ? " +question" : "")}{(HasOpt ? " +OPT" : "")}{(Truncated ? " TC" : "")} ({Raw!.Length} bytes)";
}

/// <summary>Sends raw messages to a server on loopback over real UDP and TCP sockets.</summary>
/// <remarks>
/// A drop is observed without timing: over UDP a valid probe follows the message from the same
/// socket, and the server's loops (SO_REUSEPORT hashes one source to one loop, Knot's likewise)
/// answer in order, so a first reply carrying the probe's id means the message got none. Over TCP a
/// drop closes the connection. Timeouts exist only to turn a hang into a failure.
/// </remarks>
public static class Wire
{
    public static readonly TimeSpan HangBound = TimeSpan.FromSeconds(10);
    private const ushort ProbeId = 0xBEEF;

    public static Outcome Udp(IPEndPoint server, byte[] message)
    {
        using var s = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        s.Connect(server);
        s.ReceiveTimeout = (int)HangBound.TotalMilliseconds;
        s.Send(message);
        s.Send(Pkt.Cat(Pkt.Header(id: ProbeId), Pkt.Question()));
        var buf = new byte[65535];
        int n = s.Receive(buf);
        var first = buf[..n];
        if (IsProbe(first) && !IsProbe(message)) return new Outcome(null, null);
        n = s.Receive(buf); // the probe's answer, so nothing is left in flight
        Assert.Equal(ProbeId, BinaryPrimitives.ReadUInt16BigEndian(buf));
        return Decode(first);
    }

    /// <summary>Only the reply, for well-formed queries (no probe needed).</summary>
    public static Outcome UdpReply(IPEndPoint server, byte[] message)
    {
        using var s = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        s.Connect(server);
        s.ReceiveTimeout = (int)HangBound.TotalMilliseconds;
        s.Send(message);
        var buf = new byte[65535];
        return Decode(buf[..s.Receive(buf)]);
    }

    /// <summary>
    /// The reply to <paramref name="message"/>, or a drop: the connection closed, or (Knot keeps it
    /// open after a response it ignores) the probe sent after it answered first.
    /// </summary>
    public static Outcome Tcp(IPEndPoint server, byte[] message)
    {
        using var s = Connect(server);
        var probe = Pkt.Cat(Pkt.Header(id: ProbeId), Pkt.Question());
        s.Send(Pkt.Cat(Pkt.U16(message.Length), message, Pkt.U16(probe.Length), probe));
        var first = ReadTcp(s);
        if (first.Dropped || (IsProbe(first.Raw!) && !IsProbe(message))) return new Outcome(null, null);
        return first;
    }

    private static bool IsProbe(byte[] m) => m.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(m) == ProbeId;

    public static Socket Connect(IPEndPoint server)
    {
        var s = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.ReceiveTimeout = (int)HangBound.TotalMilliseconds;
        s.SendTimeout = (int)HangBound.TotalMilliseconds;
        s.Connect(server);
        return s;
    }

    /// <summary>One length-prefixed reply, or a drop when the server closes the connection instead.</summary>
    public static Outcome ReadTcp(Socket s)
    {
        var len = new byte[2];
        if (!ReadExactly(s, len)) return new Outcome(null, null);
        var reply = new byte[BinaryPrimitives.ReadUInt16BigEndian(len)];
        Assert.True(ReadExactly(s, reply), "connection closed mid-reply");
        return Decode(reply);
    }

    /// <summary>True once the peer has closed (a read returns 0 or the connection is reset).</summary>
    public static bool Closed(Socket s)
    {
        try { return s.Receive(new byte[1]) == 0; }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { return true; }
    }

    private static bool ReadExactly(Socket s, byte[] buf)
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

    private static Outcome Decode(byte[] raw) => new(raw, DnsMessage.Parse(raw));
}
