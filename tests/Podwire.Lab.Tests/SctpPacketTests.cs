using System.Buffers.Binary;
using Podwire.Lab.Probe;

namespace Podwire.Lab.Tests.Probe;

public sealed class SctpPacketTests
{
    [Fact]
    public void Checksum_is_crc32c_as_in_rfc3720()
    {
        // RFC 3720 B.4: 32 bytes of zeros give CRC32c 0x8A9136AA.
        Assert.Equal(0x8A9136AAu, SctpPacket.Checksum(new byte[32]));
    }

    [Fact]
    public void Init_has_tag_zero_and_reads_back()
    {
        var buffer = new byte[SctpPacket.InitBytes];
        Assert.Equal(32, SctpPacket.WriteInit(buffer, 50000, 80, 0x01020304));
        Assert.True(SctpPacket.TryRead(buffer, out var h));
        Assert.Equal(new SctpHeader(50000, 80, 0, SctpPacket.Init, 0x01020304), h);
    }

    [Fact]
    public void Answers_carry_the_inits_tag()
    {
        var ack = new byte[SctpPacket.InitAckLength(5)];
        Assert.Equal(12 + 20 + 12, ack.Length); // the cookie parameter is padded to 4 bytes
        SctpPacket.WriteInitAck(ack, 80, 50000, 0x01020304, 77, "web-1"u8);
        Assert.True(SctpPacket.TryRead(ack, out var a));
        Assert.Equal(new SctpHeader(80, 50000, 0x01020304, SctpPacket.InitAck, 77), a);
        // The INIT ACK carries a state cookie parameter (type 7, length without padding), as RFC 9260 5.1 requires.
        Assert.Equal(7, BinaryPrimitives.ReadUInt16BigEndian(ack.AsSpan(12 + 20)));
        Assert.Equal(9, BinaryPrimitives.ReadUInt16BigEndian(ack.AsSpan(12 + 22)));
        Assert.Equal("web-1"u8.ToArray(), SctpPacket.Cookie(ack).ToArray());

        var abort = new byte[SctpPacket.AbortBytes];
        SctpPacket.WriteAbort(abort, 80, 50000, 0x01020304);
        Assert.True(SctpPacket.TryRead(abort, out var b));
        Assert.Equal(new SctpHeader(80, 50000, 0x01020304, SctpPacket.Abort, 0), b);
        Assert.Equal(0, abort[13]); // T bit clear: the tag is the peer's
    }

    [Fact]
    public void Corrupt_or_short_packets_are_refused()
    {
        var buffer = new byte[SctpPacket.InitBytes];
        SctpPacket.WriteInit(buffer, 50000, 80, 9);
        buffer[20] ^= 1;
        Assert.False(SctpPacket.TryRead(buffer, out _));
        Assert.False(SctpPacket.TryRead(buffer.AsSpan(0, 14), out _));
        Assert.True(SctpPacket.SkipIPv4Header([0x45, .. new byte[19]]).IsEmpty);
        Assert.Equal(3, SctpPacket.SkipIPv4Header([0x45, .. new byte[19], 1, 2, 3]).Length);
        Assert.True(SctpPacket.SkipIPv4Header([0x60, .. new byte[39]]).IsEmpty);
    }
}
