using System.Buffers.Binary;

namespace Podwire.Dns;

/// <summary>Why a datagram is not answered from the zone data.</summary>
internal enum DnsQueryError { None, Drop, FormErr, NotImp }

/// <summary>
/// The parts of a query the server needs, read in place without allocating: the question's
/// extent (so it can be copied back verbatim, echoing the client's case as RFC 4343 asks), its
/// lowercase wire name as chars (the snapshot's key), and the EDNS0 payload size.
/// </summary>
internal ref struct DnsQuery
{
    public const int MaxLabels = 128;

    public ushort Id;
    public byte Flags1;          // byte 2: QR, opcode, AA, TC, RD
    public ushort Type;
    /// <summary>Question bytes (name + type + class) start at 12 and span this many.</summary>
    public int QuestionLength;
    public int NameLength;
    public bool HasEdns;
    public ushort EdnsSize;
    public int LabelCount;

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
        if ((q.Flags1 & 0x80) != 0) return DnsQueryError.Drop; // a response: never answer those
        if (((q.Flags1 >> 3) & 0xF) != 0) return DnsQueryError.NotImp;
        ushort qd = BinaryPrimitives.ReadUInt16BigEndian(msg[4..]);
        ushort an = BinaryPrimitives.ReadUInt16BigEndian(msg[6..]);
        ushort ns = BinaryPrimitives.ReadUInt16BigEndian(msg[8..]);
        ushort ar = BinaryPrimitives.ReadUInt16BigEndian(msg[10..]);
        if (qd != 1) return DnsQueryError.FormErr;

        int p = 12, k = 0;
        while (true)
        {
            if (p >= msg.Length || k >= key.Length) return DnsQueryError.FormErr;
            int len = msg[p];
            if (len == 0) { key[k++] = '\0'; p++; break; }
            if (len > 63 || p + 1 + len > msg.Length || k + 1 + len >= key.Length || q.LabelCount >= labels.Length) return DnsQueryError.FormErr;
            labels[q.LabelCount++] = k;
            key[k++] = (char)len;
            for (int i = 1; i <= len; i++)
            {
                byte b = msg[p + i];
                key[k++] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b);
            }
            p += 1 + len;
        }
        if (k > 255 || p + 4 > msg.Length) return DnsQueryError.FormErr;
        q.NameLength = k;
        q.Type = BinaryPrimitives.ReadUInt16BigEndian(msg[p..]);
        p += 4;
        q.QuestionLength = p - 12;

        // EDNS0 (RFC 6891): an OPT pseudo-record in the additional section of a plain query.
        if (ar > 0 && an == 0 && ns == 0 && p + 11 <= msg.Length && msg[p] == 0
            && BinaryPrimitives.ReadUInt16BigEndian(msg[(p + 1)..]) == 41)
        {
            q.HasEdns = true;
            q.EdnsSize = BinaryPrimitives.ReadUInt16BigEndian(msg[(p + 3)..]);
        }
        return DnsQueryError.None;
    }
}
