using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Podwire.Datapath;

/// <summary>
/// Encodes an <see cref="NftElementBatch"/> as one nfnetlink batch: BATCH_BEGIN, one
/// NEWSETELEM/DELSETELEM message per step (more when a step's elements exceed what one 16-bit
/// netlink attribute can carry), BATCH_END. The kernel applies a batch as one transaction. Every
/// message asks for an ACK so that each one is accounted for. Pure: bytes only, no I/O.
/// </summary>
public static class NfNetlinkEncoder
{
    // linux/netlink.h
    public const ushort NLM_F_REQUEST = 0x1, NLM_F_ACK = 0x4, NLM_F_CREATE = 0x400;
    public const ushort NLMSG_ERROR = 2;
    private const ushort NLA_F_NESTED = 0x8000;
    // linux/netfilter/nfnetlink.h
    public const ushort NFNL_MSG_BATCH_BEGIN = 0x10, NFNL_MSG_BATCH_END = 0x11;
    public const ushort NFNL_SUBSYS_NFTABLES = 10;
    // linux/netfilter/nf_tables.h
    public const ushort NFT_MSG_NEWSETELEM = 12, NFT_MSG_DELSETELEM = 14;
    private const ushort NFTA_SET_ELEM_LIST_TABLE = 1, NFTA_SET_ELEM_LIST_SET = 2, NFTA_SET_ELEM_LIST_ELEMENTS = 3;
    private const ushort NFTA_LIST_ELEM = 1;
    private const ushort NFTA_SET_ELEM_KEY = 1, NFTA_SET_ELEM_DATA = 2;
    private const ushort NFTA_DATA_VALUE = 1, NFTA_DATA_VERDICT = 2;
    private const ushort NFTA_VERDICT_CODE = 1, NFTA_VERDICT_CHAIN = 2;

    /// <summary>Room for the element list in one message: an attribute's length is 16 bits.</summary>
    private const int MaxElementsBytes = 60 * 1024;

    /// <summary>What one message of the batch did, so an error can be told in the batch's terms.</summary>
    public sealed record MessageInfo(uint Seq, string What);

    public sealed record Encoded(byte[] Bytes, int Length, uint BeginSeq, IReadOnlyList<MessageInfo> Messages);

    public static Encoded Encode(NftElementBatch batch, uint firstSeq)
    {
        var w = new Writer(64 + batch.ElementCount * 56 + batch.Ops.Count * 128);
        var messages = new List<MessageInfo>();
        uint seq = firstSeq;
        uint begin = seq++;
        int m = w.BeginMessage(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, begin, 0, NFNL_SUBSYS_NFTABLES);
        w.EndMessage(m);
        string familyName = batch.Family.ToString().ToLowerInvariant();
        foreach (var op in batch.Ops)
        {
            string verb = op.Kind switch { NftSetOpKind.Flush => "flush", NftSetOpKind.Delete => "delete", _ => "add" };
            ushort type = (ushort)((NFNL_SUBSYS_NFTABLES << 8) | (op.Kind == NftSetOpKind.Add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM));
            ushort flags = (ushort)(NLM_F_REQUEST | NLM_F_ACK | (op.Kind == NftSetOpKind.Add ? NLM_F_CREATE : 0));
            if (op.Kind == NftSetOpKind.Flush)
            {
                // DELSETELEM without an element list flushes the set.
                messages.Add(new MessageInfo(seq, $"{verb} set {familyName} {batch.Table} {op.Set}"));
                int f = w.BeginMessage(type, flags, seq++, (byte)batch.Family, 0);
                w.String(NFTA_SET_ELEM_LIST_TABLE, batch.Table);
                w.String(NFTA_SET_ELEM_LIST_SET, op.Set);
                w.EndMessage(f);
                continue;
            }
            int i = 0;
            while (i < op.Elements.Count)
            {
                int start = i;
                uint s = seq++;
                int msg = w.BeginMessage(type, flags, s, (byte)batch.Family, 0);
                w.String(NFTA_SET_ELEM_LIST_TABLE, batch.Table);
                w.String(NFTA_SET_ELEM_LIST_SET, op.Set);
                int list = w.BeginNest(NFTA_SET_ELEM_LIST_ELEMENTS);
                int listStart = w.Length;
                while (i < op.Elements.Count && (i == start || w.Length - listStart + SizeOf(op.Elements[i]) <= MaxElementsBytes))
                    Element(w, op.Elements[i++]);
                w.EndNest(list);
                w.EndMessage(msg);
                messages.Add(new MessageInfo(s, $"{verb} element {familyName} {batch.Table} {op.Set} (elements {start}..{i - 1} of {op.Elements.Count})"));
            }
        }
        uint end = seq;
        int e = w.BeginMessage(NFNL_MSG_BATCH_END, NLM_F_REQUEST, end, 0, NFNL_SUBSYS_NFTABLES);
        w.EndMessage(e);
        return new Encoded(w.Buffer, w.Length, begin, messages);
    }

    private static int Align(int n) => (n + 3) & ~3;

    private static int SizeOf(NftElement e)
    {
        int n = 4 + 4 + 4 + Align(e.Key.Length);
        if (e.Value is { } v) n += 4 + 4 + Align(v.Length);
        else if (e.Verdict is { } vd) n += 4 + 4 + 8 + (vd.Chain is null ? 0 : 4 + Align(Encoding.UTF8.GetByteCount(vd.Chain) + 1));
        return n;
    }

    private static void Element(Writer w, NftElement e)
    {
        int el = w.BeginNest(NFTA_LIST_ELEM);
        int key = w.BeginNest(NFTA_SET_ELEM_KEY);
        w.Bytes(NFTA_DATA_VALUE, e.Key);
        w.EndNest(key);
        if (e.Value is { } value)
        {
            int data = w.BeginNest(NFTA_SET_ELEM_DATA);
            w.Bytes(NFTA_DATA_VALUE, value);
            w.EndNest(data);
        }
        else if (e.Verdict is { } verdict)
        {
            int data = w.BeginNest(NFTA_SET_ELEM_DATA);
            int v = w.BeginNest(NFTA_DATA_VERDICT);
            w.Be32(NFTA_VERDICT_CODE, (uint)verdict.Code);
            if (verdict.Chain is not null) w.String(NFTA_VERDICT_CHAIN, verdict.Chain);
            w.EndNest(v);
            w.EndNest(data);
        }
        w.EndNest(el);
    }

    /// <summary>A growing buffer of netlink messages and attributes; lengths are patched on End.</summary>
    private sealed class Writer(int capacity)
    {
        public byte[] Buffer = new byte[Math.Max(capacity, 256)];

        // Netlink headers and attribute headers are in host byte order; payloads say their own.
        private static void N16(Span<byte> s, ushort v) => MemoryMarshal.Write(s, in v);
        private static void N32(Span<byte> s, uint v) => MemoryMarshal.Write(s, in v);
        public int Length;

        private Span<byte> Take(int n)
        {
            if (Length + n > Buffer.Length) Array.Resize(ref Buffer, Math.Max(Buffer.Length * 2, Length + n));
            var s = Buffer.AsSpan(Length, n);
            s.Clear();
            Length += n;
            return s;
        }

        /// <summary>nlmsghdr + nfgenmsg; returns the message's offset for <see cref="EndMessage"/>.</summary>
        public int BeginMessage(ushort type, ushort flags, uint seq, byte family, ushort resId)
        {
            int at = Length;
            var h = Take(20);
            N16(h[4..], type);
            N16(h[6..], flags);
            N32(h[8..], seq);
            h[16] = family;
            h[17] = 0; // NFNETLINK_V0
            BinaryPrimitives.WriteUInt16BigEndian(h[18..], resId);
            return at;
        }

        public int BeginNest(ushort type)
        {
            int at = Length;
            var h = Take(4);
            N16(h[2..], (ushort)(type | NLA_F_NESTED));
            return at;
        }

        public void EndMessage(int at) => N32(Buffer.AsSpan(at), (uint)(Length - at));

        public void EndNest(int at)
        {
            int len = Length - at;
            if (len > ushort.MaxValue) throw new DatapathException($"netlink attribute of {len} bytes exceeds 64 KiB");
            N16(Buffer.AsSpan(at), (ushort)len);
        }

        public void Bytes(ushort type, ReadOnlySpan<byte> value)
        {
            var h = Take(Align(4 + value.Length));
            N16(h, (ushort)(4 + value.Length));
            N16(h[2..], type);
            value.CopyTo(h[4..]);
        }

        public void String(ushort type, string value)
        {
            int n = Encoding.UTF8.GetByteCount(value);
            var h = Take(Align(4 + n + 1));
            N16(h, (ushort)(4 + n + 1));
            N16(h[2..], type);
            Encoding.UTF8.GetBytes(value, h[4..]);
        }

        public void Be32(ushort type, uint value)
        {
            var h = Take(8);
            N16(h, 8);
            N16(h[2..], type);
            BinaryPrimitives.WriteUInt32BigEndian(h[4..], value);
        }
    }
}
