using System.Buffers.Binary;

namespace Podwire.Dns;

/// <summary>Why a message is not answered from the zone data.</summary>
/// <remarks>
/// Precedence, as Knot applies it: a message too short for a header or marked as a response is
/// dropped; any other opcode than QUERY is NOTIMP whatever else is wrong; then FORMERR for a
/// malformed question or record, BADVERS for an EDNS version other than 0 (RFC 6891 §6.1.3),
/// REFUSED for a class we hold no data in, NOTIMP for type 0 and zone transfers.
/// </remarks>
internal enum DnsQueryError { None, Drop, FormErr, NotImp, BadVers, Refused }

/// <summary>
/// The parts of a query the server needs, read in place without allocating: the question's
/// extent (so it can be copied back verbatim, echoing the client's case as RFC 4343 asks), its
/// lowercase wire name as chars (the snapshot's key), and the EDNS0 payload size.
/// </summary>
/// <remarks>
/// Every record of every section is walked, not only the question: a query whose counts lie, whose
/// names loop or point forward, or that ends in stray bytes is FORMERR (RFC 1035 §4.1.4, as Knot
/// answers), and the OPT record is only honoured when it is alone, in the additional section and
/// owned by the root (RFC 6891 §6.1.1).
/// </remarks>
internal ref struct DnsQuery
{
    public const int MaxLabels = 128;
    public const int MaxNameLength = 255;
    public const ushort ClassIn = 1, ClassAny = 255, TypeOpt = 41, TypeIxfr = 251, TypeAxfr = 252;

    public ushort Id;
    public byte Flags1;          // byte 2: QR, opcode, AA, TC, RD
    public ushort Type;
    public ushort Class;
    /// <summary>Question bytes (name + type + class) start at 12 and span this many; 0 when the question is unusable.</summary>
    public int QuestionLength;
    public int NameLength;
    /// <summary>One valid OPT record: the reply carries one too (RFC 6891 §6.1.1).</summary>
    public bool HasEdns;
    public ushort EdnsSize;
    public byte EdnsVersion;
    public int LabelCount;

    public readonly int Opcode => (Flags1 >> 3) & 0xF;

    /// <summary>
    /// Parses <paramref name="msg"/>; <paramref name="key"/> receives the lowercase wire name
    /// (one char per byte) and <paramref name="labels"/> the offset within it of each label.
    /// </summary>
    public static DnsQueryError Parse(ReadOnlySpan<byte> msg, Span<char> key, Span<int> labels, out DnsQuery q)
    {
        q = default;
        if (msg.Length < 12) return DnsQueryError.Drop;
        q.Id = BinaryPrimitives.ReadUInt16BigEndian(msg);
        q.Flags1 = msg[2];
        if ((q.Flags1 & 0x80) != 0) return DnsQueryError.Drop; // a response: answering could start a loop
        var otherOpcode = q.Opcode != 0 ? DnsQueryError.NotImp : DnsQueryError.None;
        ushort qd = BinaryPrimitives.ReadUInt16BigEndian(msg[4..]);
        if (qd != 1) return otherOpcode == DnsQueryError.None ? DnsQueryError.FormErr : otherOpcode;

        int p = Question(msg, key, labels, ref q);
        if (p < 0)
        {
            q.LabelCount = 0;
            q.NameLength = 0;
            return otherOpcode == DnsQueryError.None ? DnsQueryError.FormErr : otherOpcode;
        }
        q.QuestionLength = p - 12;

        int an = BinaryPrimitives.ReadUInt16BigEndian(msg[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(msg[8..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(msg[10..]);
        bool edns = false;
        p = Records(msg, p, an, ns, ar, ref q, ref edns);
        if (p != msg.Length) return otherOpcode == DnsQueryError.None ? DnsQueryError.FormErr : otherOpcode;
        q.HasEdns = edns;
        if (otherOpcode != DnsQueryError.None) return otherOpcode;
        if (edns && q.EdnsVersion != 0) return DnsQueryError.BadVers;
        if (q.Class != ClassIn && q.Class != ClassAny) return DnsQueryError.Refused;
        // Type 0 is reserved and AXFR/IXFR are zone transfers, which this server does not do.
        if (q.Type is 0 or TypeIxfr or TypeAxfr) return DnsQueryError.NotImp;
        return DnsQueryError.None;
    }

    // The question name is the message's first: any compression pointer in it can only point into
    // the header, at itself or forward, so every pointer (and every reserved label type) is FORMERR.
    private static int Question(ReadOnlySpan<byte> msg, Span<char> key, Span<int> labels, ref DnsQuery q)
    {
        int p = 12, k = 0;
        while (true)
        {
            if (p >= msg.Length) return -1;
            int len = msg[p];
            if (len == 0) { key[k++] = '\0'; p++; break; }
            if (len > 63 || p + 1 + len > msg.Length || k + 1 + len >= MaxNameLength || q.LabelCount >= labels.Length) return -1;
            labels[q.LabelCount++] = k;
            key[k++] = (char)len;
            for (int i = 1; i <= len; i++)
            {
                byte b = msg[p + i];
                key[k++] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b);
            }
            p += 1 + len;
        }
        if (p + 4 > msg.Length) return -1;
        q.NameLength = k;
        q.Type = BinaryPrimitives.ReadUInt16BigEndian(msg[p..]);
        q.Class = BinaryPrimitives.ReadUInt16BigEndian(msg[(p + 2)..]);
        return p + 4;
    }

    // Walks the answer, authority and additional sections; the offset after them, or -1.
    private static int Records(ReadOnlySpan<byte> msg, int p, int an, int ns, int ar, ref DnsQuery q, ref bool edns)
    {
        int total = an + ns + ar;
        for (int i = 0; i < total; i++)
        {
            int owner = p;
            p = SkipName(msg, p);
            if (p < 0 || p + 10 > msg.Length) return -1;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(msg[p..]);
            int rdlength = BinaryPrimitives.ReadUInt16BigEndian(msg[(p + 8)..]);
            int rdata = p + 10;
            if (rdata + rdlength > msg.Length) return -1;
            if (type == TypeOpt)
            {
                bool additional = i >= an + ns;
                if (!additional || edns || p != owner + 1 || msg[owner] != 0) return -1;
                if (!OptionsFit(msg.Slice(rdata, rdlength))) return -1;
                edns = true;
                q.EdnsSize = BinaryPrimitives.ReadUInt16BigEndian(msg[(p + 2)..]);
                q.EdnsVersion = msg[p + 5];
            }
            p = rdata + rdlength;
        }
        return p;
    }

    // EDNS options are (code, length, data) triples that must fill the OPT's RDATA exactly.
    private static bool OptionsFit(ReadOnlySpan<byte> rdata)
    {
        int p = 0;
        while (p < rdata.Length)
        {
            if (p + 4 > rdata.Length) return false;
            p += 4 + BinaryPrimitives.ReadUInt16BigEndian(rdata[(p + 2)..]);
        }
        return p == rdata.Length;
    }

    /// <summary>
    /// The offset just after the (possibly compressed) name at <paramref name="p"/>, or -1 when it
    /// runs past the message, uses a reserved label type, exceeds 255 bytes, or has a pointer that
    /// does not point strictly backwards into earlier name data.
    /// </summary>
    /// <remarks>
    /// Each pointer must point before the start of the label run it ends, so the positions visited
    /// strictly decrease: loops are impossible and the walk ends within the message's length.
    /// </remarks>
    public static int SkipName(ReadOnlySpan<byte> msg, int p)
    {
        int runStart = p, after = -1, wire = 0;
        while (true)
        {
            if (p >= msg.Length) return -1;
            int len = msg[p];
            if (len == 0) return after >= 0 ? after : p + 1;
            if ((len & 0xC0) == 0xC0)
            {
                if (p + 1 >= msg.Length) return -1;
                int target = ((len & 0x3F) << 8) | msg[p + 1];
                if (target < 12 || target >= runStart) return -1;
                if (after < 0) after = p + 2;
                p = runStart = target;
                continue;
            }
            if (len > 63) return -1;
            wire += 1 + len;
            if (wire >= MaxNameLength) return -1; // the root byte still has to fit
            p += 1 + len;
        }
    }
}
