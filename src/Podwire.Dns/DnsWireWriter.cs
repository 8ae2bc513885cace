using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Podwire.Controllers.Dns;

namespace Podwire.Dns;

/// <summary>
/// Encodes DNS messages (RFC 1035 §4) with name compression. Used off the hot path only: to
/// pre-encode a snapshot's answers, and for the few answers synthesized per query
/// (<c>pods insecure</c>). Names are the zone's canonical presentation form (lowercase,
/// trailing dot, no escapes), so a compression target is keyed by its text.
/// </summary>
/// <remarks>
/// ARSoft.Tools.Net 3.6.1 parses messages publicly but keeps its encoder internal
/// (<c>DnsMessageBase.Encode</c>); reaching it by reflection would break trimming, so this small
/// writer covers the handful of record types cluster DNS serves, and the tests decode its output
/// with ARSoft and dig as independent checks.
/// </remarks>
internal sealed class DnsWireWriter
{
    public const int HeaderLength = 12;
    private byte[] _buf;
    private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);

    public DnsWireWriter(int capacity = 512) => _buf = new byte[capacity];

    public int Length { get; private set; }
    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, Length);
    public byte[] ToArray() => _buf.AsSpan(0, Length).ToArray();

    /// <summary>Header with id 0; counts are filled in by <see cref="SetCount"/>.</summary>
    public void Header(ushort flags)
    {
        Ensure(HeaderLength);
        _buf.AsSpan(0, HeaderLength).Clear();
        BinaryPrimitives.WriteUInt16BigEndian(_buf.AsSpan(2), flags);
        Length = HeaderLength;
    }

    /// <summary>Section counts: 0 question, 1 answer, 2 authority, 3 additional.</summary>
    public void SetCount(int section, int count) =>
        BinaryPrimitives.WriteUInt16BigEndian(_buf.AsSpan(4 + 2 * section), (ushort)count);

    public bool Question(string fqdn, ushort type, ushort klass = 1)
    {
        if (!Name(fqdn, compress: true)) return false;
        U16(type);
        U16(klass);
        return true;
    }

    /// <summary>Appends one record in presentation form; false when its data cannot be encoded.</summary>
    public bool Record(DnsRecord r, string? ownerOverride = null)
    {
        int start = Length;
        if (!Name(ownerOverride ?? r.Name, compress: true)) return Rewind(start);
        U16((ushort)r.Type);
        U16(1);
        U32((uint)Math.Max(0, r.Ttl));
        int lengthAt = Length;
        U16(0);
        int dataStart = Length;
        bool ok = r.Type switch
        {
            DnsType.A => Address(r.Data, AddressFamily.InterNetwork),
            DnsType.AAAA => Address(r.Data, AddressFamily.InterNetworkV6),
            DnsType.CNAME or DnsType.PTR or DnsType.NS => Name(r.Data, compress: true),
            DnsType.SRV => Srv(r.Data),
            DnsType.TXT => Txt(r.Data),
            _ => false,
        };
        if (!ok) return Rewind(start);
        BinaryPrimitives.WriteUInt16BigEndian(_buf.AsSpan(lengthAt), (ushort)(Length - dataStart));
        return true;
    }

    /// <summary>The SOA that negative answers carry (RFC 2308), shaped as CoreDNS's.</summary>
    /// <remarks>
    /// With <paramref name="ownerPointer"/> the owner is a 2-byte compression pointer patched per
    /// query (it points into the question) and nothing else is compressed, so the bytes can be
    /// appended after any question.
    /// </remarks>
    public void Soa(string origin, string clusterDomain, int ttl, bool ownerPointer = false)
    {
        if (ownerPointer) U16(0xC000);
        else Name(origin, compress: true);
        U16((ushort)DnsType.SOA);
        U16(1);
        U32((uint)ttl);
        int lengthAt = Length;
        U16(0);
        int dataStart = Length;
        Name("ns.dns." + clusterDomain, compress: !ownerPointer);
        Name("hostmaster." + clusterDomain, compress: !ownerPointer);
        U32(1);        // serial
        U32(7200);     // refresh
        U32(1800);     // retry
        U32(86400);    // expire
        U32((uint)ttl); // negative-caching TTL
        BinaryPrimitives.WriteUInt16BigEndian(_buf.AsSpan(lengthAt), (ushort)(Length - dataStart));
    }

    /// <summary>Wire form of a presentation name (no compression); null when a label or the name is too long.</summary>
    public static byte[]? WireName(string fqdn)
    {
        var w = new DnsWireWriter(fqdn.Length + 2);
        return w.Name(fqdn, compress: false) ? w.ToArray() : null;
    }

    private bool Name(string fqdn, bool compress)
    {
        if (fqdn.Length > 254 || fqdn.Length == 0) return fqdn == "." && Byte(0);
        int start = Length;
        int i = 0;
        while (i < fqdn.Length && fqdn != ".")
        {
            if (compress && _names.TryGetValue(fqdn[i..], out int at))
            {
                U16((ushort)(0xC000 | at));
                return true;
            }
            int dot = fqdn.IndexOf('.', i);
            if (dot < 0) dot = fqdn.Length;
            int len = dot - i;
            if (len == 0 || len > 63) return Rewind(start);
            if (Length < 0x3FFF) _names.TryAdd(fqdn[i..], Length);
            Byte((byte)len);
            Ensure(len);
            for (int k = 0; k < len; k++) _buf[Length++] = (byte)fqdn[i + k];
            i = dot + 1;
        }
        return Byte(0);
    }

    private bool Address(string text, AddressFamily family)
    {
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != family) return false;
        Ensure(16);
        ip.TryWriteBytes(_buf.AsSpan(Length), out int n);
        Length += n;
        return true;
    }

    // "priority weight port target"; the target is written uncompressed (RFC 2782).
    private bool Srv(string data)
    {
        var parts = data.Split(' ');
        if (parts.Length != 4) return false;
        for (int i = 0; i < 3; i++)
        {
            if (!ushort.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ushort v)) return false;
            U16(v);
        }
        return Name(parts[3], compress: false);
    }

    // One or more character-strings of at most 255 bytes each.
    private bool Txt(string data)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(data);
        int i = 0;
        do
        {
            int n = Math.Min(255, bytes.Length - i);
            Byte((byte)n);
            Ensure(n);
            bytes.AsSpan(i, n).CopyTo(_buf.AsSpan(Length));
            Length += n;
            i += n;
        } while (i < bytes.Length);
        return true;
    }

    private bool Rewind(int to)
    {
        Length = to;
        return false;
    }

    private bool Byte(byte b)
    {
        Ensure(1);
        _buf[Length++] = b;
        return true;
    }

    public void U16(ushort v)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16BigEndian(_buf.AsSpan(Length), v);
        Length += 2;
    }

    private void U32(uint v)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buf.AsSpan(Length), v);
        Length += 4;
    }

    private void Ensure(int n)
    {
        if (Length + n <= _buf.Length) return;
        Array.Resize(ref _buf, Math.Max(_buf.Length * 2, Length + n));
    }
}
