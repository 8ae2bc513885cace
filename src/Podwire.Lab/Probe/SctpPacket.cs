using System.Buffers.Binary;
using System.Numerics;

namespace Podwire.Lab.Probe;

/// <summary>The parts of an SCTP packet a reachability probe needs: ports, tag, first chunk.</summary>
public readonly record struct SctpHeader(ushort SourcePort, ushort DestinationPort, uint VerificationTag, byte Chunk, uint InitiateTag);

/// <summary>
/// The first step of an SCTP association (RFC 9260 5.1), written and read as raw packets: INIT,
/// and its two possible answers, INIT ACK (someone listens) and ABORT (nobody does: the SCTP
/// "connection refused", 8.4). Used where the kernel has SCTP in netfilter (conntrack, NAT,
/// nftables matches) but no SCTP sockets, as on the lab's kernel: the packets cross the same
/// hooks, rules and NAT as a real association's first two packets, so policy and Services are
/// exercised for real. The tags obey what conntrack checks (nf_conntrack_proto_sctp): INIT
/// carries tag 0, an INIT ACK or an ABORT without the T bit carries the INIT's initiate tag.
/// </summary>
public static class SctpPacket
{
    public const byte Init = 1, InitAck = 2, Abort = 6;
    public const int HeaderBytes = 12;
    public const int InitBytes = HeaderBytes + 20;
    public const int AbortBytes = HeaderBytes + 4;
    private const ushort StateCookie = 7;

    public static int WriteInit(Span<byte> dst, ushort sourcePort, ushort destinationPort, uint initiateTag)
    {
        WriteHeader(dst, sourcePort, destinationPort, 0);
        WriteInitBody(dst[HeaderBytes..], Init, 20, initiateTag);
        return Seal(dst[..InitBytes]);
    }

    /// <summary>Bytes an INIT ACK with this state cookie takes.</summary>
    public static int InitAckLength(int cookieBytes) => HeaderBytes + 20 + Pad4(4 + cookieBytes);

    /// <summary>
    /// The answer of a listening endpoint, addressed with the INIT's tag. The state cookie is
    /// opaque to the peer (RFC 9260 5.1.3); the lab's responder puts the pod's name there, so a
    /// probe learns who answered as an HTTP probe learns it from /hostname.
    /// </summary>
    public static int WriteInitAck(Span<byte> dst, ushort sourcePort, ushort destinationPort, uint peerInitiateTag, uint ownInitiateTag, ReadOnlySpan<byte> cookie)
    {
        int length = InitAckLength(cookie.Length);
        WriteHeader(dst, sourcePort, destinationPort, peerInitiateTag);
        var chunk = dst[HeaderBytes..length];
        WriteInitBody(chunk, InitAck, 20 + 4 + cookie.Length, ownInitiateTag);
        var param = chunk[20..];
        param.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(param, StateCookie);
        BinaryPrimitives.WriteUInt16BigEndian(param[2..], (ushort)(4 + cookie.Length));
        cookie.CopyTo(param[4..]);
        return Seal(dst[..length]);
    }

    /// <summary>The state cookie of an INIT ACK (no IP header), or empty.</summary>
    public static ReadOnlySpan<byte> Cookie(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < HeaderBytes + 20 || packet[HeaderBytes] != InitAck) return [];
        int chunkEnd = Math.Min(packet.Length, HeaderBytes + BinaryPrimitives.ReadUInt16BigEndian(packet[(HeaderBytes + 2)..]));
        for (int at = HeaderBytes + 20; at + 4 <= chunkEnd;)
        {
            int type = BinaryPrimitives.ReadUInt16BigEndian(packet[at..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet[(at + 2)..]);
            if (length < 4 || at + length > chunkEnd) return [];
            if (type == StateCookie) return packet.Slice(at + 4, length - 4);
            at += Pad4(length);
        }
        return [];
    }

    /// <summary>The answer to an INIT on a port nobody listens on (T bit clear, the INIT's tag).</summary>
    public static int WriteAbort(Span<byte> dst, ushort sourcePort, ushort destinationPort, uint peerInitiateTag)
    {
        WriteHeader(dst, sourcePort, destinationPort, peerInitiateTag);
        dst[HeaderBytes] = Abort;
        dst[HeaderBytes + 1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(dst[(HeaderBytes + 2)..], 4);
        return Seal(dst[..AbortBytes]);
    }

    /// <summary>Reads an SCTP packet (no IP header). False for anything short, malformed or with a bad checksum.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out SctpHeader header)
    {
        header = default;
        if (packet.Length < HeaderBytes + 4) return false;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(packet[8..]);
        if (stored != Checksum(packet)) return false;
        var chunk = packet[HeaderBytes..];
        int chunkLength = BinaryPrimitives.ReadUInt16BigEndian(chunk[2..]);
        // Chunk lengths exclude the padding to 4 bytes that follows.
        if (chunkLength < 4 || chunkLength > chunk.Length) return false;
        uint initiateTag = 0;
        if (chunk[0] is Init or InitAck)
        {
            if (chunkLength < 20) return false;
            initiateTag = BinaryPrimitives.ReadUInt32BigEndian(chunk[4..]);
        }
        header = new SctpHeader(
            BinaryPrimitives.ReadUInt16BigEndian(packet),
            BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            chunk[0],
            initiateTag);
        return true;
    }

    /// <summary>The SCTP part of what an IPv4 raw socket hands over (which includes the IP header); IPv6 raw sockets give it bare.</summary>
    public static ReadOnlySpan<byte> SkipIPv4Header(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 20 || datagram[0] >> 4 != 4) return [];
        int ihl = (datagram[0] & 0x0f) * 4;
        return ihl < 20 || ihl > datagram.Length ? [] : datagram[ihl..];
    }

    /// <summary>CRC32c over the packet with the checksum field taken as zero (RFC 9260 appendix A), as stored (little-endian).</summary>
    public static uint Checksum(ReadOnlySpan<byte> packet)
    {
        uint crc = 0xFFFFFFFF;
        for (int i = 0; i < packet.Length; i++)
            crc = BitOperations.Crc32C(crc, i is >= 8 and < 12 ? (byte)0 : packet[i]);
        return ~crc;
    }

    private static int Pad4(int n) => (n + 3) & ~3;

    private static void WriteHeader(Span<byte> dst, ushort sourcePort, ushort destinationPort, uint tag)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(dst[4..], tag);
        BinaryPrimitives.WriteUInt32BigEndian(dst[8..], 0);
    }

    private static void WriteInitBody(Span<byte> chunk, byte type, int length, uint initiateTag)
    {
        chunk[0] = type;
        chunk[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(chunk[2..], (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(chunk[4..], initiateTag);
        BinaryPrimitives.WriteUInt32BigEndian(chunk[8..], 65536); // advertised receiver window
        BinaryPrimitives.WriteUInt16BigEndian(chunk[12..], 1);    // outbound streams
        BinaryPrimitives.WriteUInt16BigEndian(chunk[14..], 1);    // inbound streams
        BinaryPrimitives.WriteUInt32BigEndian(chunk[16..], initiateTag); // initial TSN
    }

    private static int Seal(Span<byte> packet)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], Checksum(packet));
        return packet.Length;
    }
}
