using System.Buffers.Binary;
using System.Text;
using Podwire.Controllers.Dns;
using Podwire.Semantics.Dns;

namespace Podwire.Dns;

/// <summary>What to do with a datagram or TCP message.</summary>
public enum DnsDisposition { Reply, Drop, Forward }

/// <summary>
/// Turns one query into one response, shared by the UDP and TCP paths. The common case copies a
/// pre-encoded response and patches the id, flags and question (echoing the client's case);
/// nothing on that path allocates, locks or throws.
/// </summary>
public static class DnsResponder
{
    /// <summary>The payload size this server advertises in its OPT record (DNS flag day 2020).</summary>
    public const ushort AdvertisedUdpSize = 1232;
    /// <summary>The most a UDP answer carries whatever the client advertises: larger ones fragment (DNS flag day 2020).</summary>
    public const int MaxUdpPayload = AdvertisedUdpSize;
    public const int ClassicUdpLimit = 512;
    private const int OptLength = 11;
    private const int BadVers = 16; // extended RCODE (RFC 6891 §9): high 8 bits in the OPT, low 4 in the header

    /// <param name="udp">Truncate to 512 bytes or the client's EDNS size (at most 1232); TCP only to the buffer.</param>
    /// <param name="canForward">Upstreams exist: out-of-zone names are forwarded, otherwise REFUSED.</param>
    /// <returns>The reply length (0 unless <paramref name="disposition"/> is Reply).</returns>
    public static int Answer(DnsSnapshot snap, ReadOnlySpan<byte> query, Span<byte> reply, bool udp, bool canForward, out DnsDisposition disposition)
    {
        disposition = DnsDisposition.Reply;
        Span<char> key = stackalloc char[260];
        Span<int> labels = stackalloc int[DnsQuery.MaxLabels];
        var error = DnsQuery.Parse(query, key, labels, out var q);
        switch (error)
        {
            case DnsQueryError.None: break;
            case DnsQueryError.Drop: disposition = DnsDisposition.Drop; return 0;
            case DnsQueryError.NotImp: return Error(query, ref q, reply, (int)DnsRcode.NotImp, canForward);
            case DnsQueryError.BadVers: return Error(query, ref q, reply, BadVers, canForward);
            case DnsQueryError.Refused: return Error(query, ref q, reply, (int)DnsRcode.Refused, canForward);
            default: return Error(query, ref q, reply, (int)DnsRcode.FormErr, canForward);
        }

        int limit = reply.Length;
        if (udp) limit = Math.Min(limit, UdpLimit(ref q));
        var name = key[..q.NameLength];

        if (snap.Lookup.TryGetValue(name, out var slots))
            return Copy(slots[DnsSnapshot.Slot(q.Type)], query, ref q, reply, limit, canForward);

        int origin = OriginIndex(snap, name, labels[..q.LabelCount]);
        if (origin < 0)
        {
            if (canForward) { disposition = DnsDisposition.Forward; return 0; }
            return Negative(query, ref q, reply, limit, DnsRcode.Refused, null, 0, canForward);
        }
        if (snap.PodTree is { } pod && q.LabelCount == snap.ZoneLabels + 3 && name[labels[2]..].SequenceEqual(pod))
            return Synthesize(snap, query, ref q, name, reply, limit, canForward);
        return Negative(query, ref q, reply, limit, DnsRcode.NXDomain, snap.SoaTails[origin], snap.Origins[origin].Length, canForward);
    }

    // Which origin (0 zone, 1 in-addr.arpa, 2 ip6.arpa) the name lies at or below, matching on label boundaries.
    private static int OriginIndex(DnsSnapshot snap, ReadOnlySpan<char> name, ReadOnlySpan<int> labels)
    {
        for (int o = 0; o < snap.Origins.Length; o++)
        {
            var origin = snap.Origins[o];
            int start = name.Length - origin.Length;
            if (start < 0 || !name[start..].SequenceEqual(origin)) continue;
            if (start == 0 && origin.Length == 1) return o;
            foreach (int l in labels) if (l == start) return o;
        }
        return -1;
    }

    private static int Copy(byte[] answer, ReadOnlySpan<byte> query, ref DnsQuery q, Span<byte> reply, int limit, bool ra)
    {
        int length = answer.Length + (q.HasEdns ? OptLength : 0);
        if (length > limit) return Truncated(query, ref q, reply, answer[3], ra);
        answer.CopyTo(reply);
        PatchHeader(query, ref q, reply, ra);
        query.Slice(12, q.QuestionLength).CopyTo(reply[12..]);
        return AppendOpt(ref q, reply, answer.Length, 0);
    }

    // RFC 6891 §6.2.5: sizes under 512 mean 512; above 1232 we still stop at 1232 (flag day 2020).
    private static int UdpLimit(ref DnsQuery q) =>
        q.HasEdns ? Math.Clamp((int)q.EdnsSize, ClassicUdpLimit, MaxUdpPayload) : ClassicUdpLimit;

    /// <summary>The most a UDP answer to <paramref name="query"/> may carry (for replies relayed from upstreams).</summary>
    public static int UdpLimit(ReadOnlySpan<byte> query)
    {
        Span<char> key = stackalloc char[260];
        Span<int> labels = stackalloc int[DnsQuery.MaxLabels];
        DnsQuery.Parse(query, key, labels, out var q);
        return UdpLimit(ref q);
    }

    /// <summary>
    /// What the client gets instead of an upstream reply too large for its UDP limit: the reply's
    /// header with TC set and the query's question (RFC 2181 §9), so it retries over TCP.
    /// </summary>
    public static byte[] TruncateRelayed(ReadOnlySpan<byte> query, ReadOnlySpan<byte> upstream)
    {
        Span<char> key = stackalloc char[260];
        Span<int> labels = stackalloc int[DnsQuery.MaxLabels];
        DnsQuery.Parse(query, key, labels, out var q);
        var reply = new byte[12 + q.QuestionLength + (q.HasEdns ? OptLength : 0)];
        upstream[..4].CopyTo(reply);
        reply[2] |= 0x02;
        int at = 12;
        if (q.QuestionLength > 0)
        {
            reply[5] = 1;
            query.Slice(12, q.QuestionLength).CopyTo(reply.AsSpan(12));
            at += q.QuestionLength;
        }
        return reply[..AppendOpt(ref q, reply, at, 0)];
    }

    private static void PatchHeader(ReadOnlySpan<byte> query, ref DnsQuery q, Span<byte> reply, bool ra)
    {
        BinaryPrimitives.WriteUInt16BigEndian(reply, q.Id);
        reply[2] = (byte)(reply[2] | (q.Flags1 & 0x01));                              // RD echoed
        reply[3] = (byte)((reply[3] & 0x0F) | (query[3] & 0x10) | (ra ? 0x80 : 0));   // CD echoed, RA
    }

    private static int AppendOpt(ref DnsQuery q, Span<byte> reply, int at, int rcode)
    {
        if (!q.HasEdns) return at;
        var opt = reply.Slice(at, OptLength);
        opt.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(opt[1..], 41);
        BinaryPrimitives.WriteUInt16BigEndian(opt[3..], AdvertisedUdpSize);
        opt[5] = (byte)(rcode >> 4);
        BinaryPrimitives.WriteUInt16BigEndian(reply[10..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(reply[10..]) + 1));
        return at + OptLength;
    }

    // Header and question only, TC set (RFC 2181 §9): the client retries over TCP.
    private static int Truncated(ReadOnlySpan<byte> query, ref DnsQuery q, Span<byte> reply, byte rcodeByte, bool ra)
    {
        reply[..12].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(reply[2..], DnsSnapshot.FlagsQrAa | 0x0200);
        reply[3] = (byte)(reply[3] | (rcodeByte & 0x0F));
        PatchHeader(query, ref q, reply, ra);
        reply[5] = 1;
        query.Slice(12, q.QuestionLength).CopyTo(reply[12..]);
        return AppendOpt(ref q, reply, 12 + q.QuestionLength, 0);
    }

    // NXDOMAIN (with the origin's SOA) or REFUSED, assembled from the query's own question.
    private static int Negative(ReadOnlySpan<byte> query, ref DnsQuery q, Span<byte> reply, int limit, DnsRcode rcode, byte[]? soa, int originLength, bool ra)
    {
        int at = 12 + q.QuestionLength;
        int length = at + (soa?.Length ?? 0) + (q.HasEdns ? OptLength : 0);
        if (length > limit) return Truncated(query, ref q, reply, (byte)rcode, ra);
        reply[..12].Clear();
        ushort flags = rcode == DnsRcode.Refused ? (ushort)0x8000 : DnsSnapshot.FlagsQrAa;
        BinaryPrimitives.WriteUInt16BigEndian(reply[2..], (ushort)(flags | (int)rcode));
        PatchHeader(query, ref q, reply, ra);
        reply[5] = 1;
        query.Slice(12, q.QuestionLength).CopyTo(reply[12..]);
        if (soa is not null)
        {
            soa.CopyTo(reply[at..]);
            // The SOA owner is the origin: the tail of the question name.
            int originAt = 12 + q.NameLength - originLength;
            BinaryPrimitives.WriteUInt16BigEndian(reply[at..], (ushort)(0xC000 | originAt));
            reply[9] = 1;
            at += soa.Length;
        }
        return AppendOpt(ref q, reply, at, 0);
    }

    // pods insecure: a dashed address under <ns>.pod.<zone> answers without being enumerated.
    private static int Synthesize(DnsSnapshot snap, ReadOnlySpan<byte> query, ref DnsQuery q, ReadOnlySpan<char> key, Span<byte> reply, int limit, bool ra)
    {
        string fqdn = Presentation(key);
        var answer = DnsResolver.Query(snap.Zone, fqdn, (DnsType)q.Type);
        var bytes = DnsSnapshot.Encode(snap.Zone, fqdn, (DnsType)q.Type, answer);
        return Copy(bytes, query, ref q, reply, limit, ra);
    }

    private static string Presentation(ReadOnlySpan<char> key)
    {
        var sb = new StringBuilder(key.Length);
        int i = 0;
        while (i < key.Length && key[i] != '\0')
        {
            int len = key[i];
            sb.Append(key.Slice(i + 1, len)).Append('.');
            i += 1 + len;
        }
        return sb.Length == 0 ? "." : sb.ToString();
    }

    // Knot's shape for every error: the header (QR, the opcode and RD echoed, never AA), the
    // question when it could be read, and an OPT when the query had a valid one. Never larger than
    // the query: nothing here amplifies a spoofed source.
    private static int Error(ReadOnlySpan<byte> query, ref DnsQuery q, Span<byte> reply, int rcode, bool ra)
    {
        reply[..12].Clear();
        reply[0] = query[0];
        reply[1] = query[1];
        reply[2] = (byte)(0x80 | (query[2] & 0x79));
        reply[3] = (byte)((rcode & 0x0F) | (ra ? 0x80 : 0));
        int at = 12;
        if (q.QuestionLength > 0)
        {
            reply[5] = 1;
            query.Slice(12, q.QuestionLength).CopyTo(reply[12..]);
            at += q.QuestionLength;
        }
        return AppendOpt(ref q, reply, at, rcode);
    }
}
