using System.Buffers.Binary;

namespace Podwire.Datapath;

/// <summary>
/// Builds set keys and map values byte for byte as nft stores them. A concatenation is its fields
/// one after another, each padded with zeros to a multiple of 4 bytes (an nf_tables 32-bit
/// register). Byte order is each type's own: addresses, protocols and ports in network order
/// (<c>ipv4_addr</c>, <c>inet_proto</c>, <c>inet_service</c>), <c>mark</c> in host order, as the
/// kernel loads <c>meta mark</c> into a register. Verified against <c>nft --debug=netlink</c>.
/// </summary>
public ref struct NftBytes
{
    private readonly Span<byte> _buffer;
    private int _length;

    public NftBytes(Span<byte> buffer)
    {
        _buffer = buffer;
        _buffer.Clear();
        _length = 0;
    }

    public readonly int Length => _length;

    public readonly byte[] ToArray() => _buffer[.._length].ToArray();

    /// <summary>Dotted-quad IPv4 address; false when <paramref name="text"/> is not one.</summary>
    public bool Ipv4(ReadOnlySpan<char> text)
    {
        var field = _buffer.Slice(_length, 4);
        int part = 0, value = 0, digits = 0;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (digits == 0 || part == 3) return false;
                field[part++] = (byte)value;
                value = 0; digits = 0;
                continue;
            }
            if (!char.IsAsciiDigit(c) || digits == 3) return false;
            value = value * 10 + (c - '0');
            if (value > 255) return false;
            digits++;
        }
        if (part != 3 || digits == 0) return false;
        field[3] = (byte)value;
        _length += 4;
        return true;
    }

    /// <summary>An <c>inet_proto</c> (one byte, padded).</summary>
    public void Proto(byte protocol)
    {
        _buffer[_length] = protocol;
        _length += 4;
    }

    /// <summary>An <c>inet_service</c> (two bytes big-endian, padded).</summary>
    public void Port(ushort port)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(_length, 2), port);
        _length += 4;
    }

    /// <summary>A <c>mark</c> (32 bits, host order).</summary>
    public void Mark(uint mark)
    {
        BitConverter.TryWriteBytes(_buffer.Slice(_length, 4), mark);
        _length += 4;
    }

    /// <summary>The IP protocol number of an nft protocol name (tcp, udp, sctp, icmp…); -1 when unknown.</summary>
    public static int ProtocolNumber(ReadOnlySpan<char> name) => name switch
    {
        "tcp" => 6,
        "udp" => 17,
        "sctp" => 132,
        "icmp" => 1,
        "icmpv6" => 58,
        "udplite" => 136,
        "dccp" => 33,
        _ => -1,
    };
}
