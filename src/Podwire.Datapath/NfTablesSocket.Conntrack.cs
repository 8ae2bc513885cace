using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Podwire.Datapath;

/// <summary>A set of IPv4 conntrack entries to delete: by original protocol, destination and port, and optionally the reply's source (the endpoint a DNAT chose).</summary>
public readonly record struct ConntrackMatch(byte Protocol, IPAddress Destination, int Port, IPAddress? ReplySource = null, int ReplyPort = 0);

/// <summary>
/// ctnetlink on the same NETLINK_NETFILTER socket: list the namespace's IPv4 conntrack table
/// (one dump), match in userspace, delete each match by its original tuple (one datagram of
/// DELETE messages). Filtering here rather than with the kernel's dump filter keeps to what every
/// kernel since 2.6 answers alike.
/// </summary>
public sealed partial class NfTablesSocket
{
    private const ushort CtGet = (1 << 8) | 1, CtDelete = (1 << 8) | 2, CtNew = (1 << 8) | 0;
    private const ushort NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_DUMP = 0x300, NLMSG_DONE = 3;
    private const ushort CTA_TUPLE_ORIG = 1, CTA_TUPLE_REPLY = 2, CTA_TUPLE_IP = 1, CTA_TUPLE_PROTO = 2;
    private const ushort CTA_IP_V4_SRC = 1, CTA_IP_V4_DST = 2, CTA_PROTO_NUM = 1, CTA_PROTO_SRC_PORT = 2, CTA_PROTO_DST_PORT = 3;
    private const byte AF_INET = 2;

    /// <summary>Deletes every entry any of <paramref name="matches"/> selects; returns how many, or an error.</summary>
    public (int Deleted, string? Error) DeleteConntrack(IReadOnlyList<ConntrackMatch> matches)
    {
        if (matches.Count == 0) return (0, null);
        lock (_gate)
        {
            if (_fd < 0) return (0, "netlink socket is closed");
            uint dumpSeq = ++_seq;
            if (SendMessage(Message(CtGet, (ushort)(NLM_F_REQUEST | NLM_F_DUMP), dumpSeq, [])) is { } e1) return (0, e1);
            // Addresses as the dump carries them, once, not per entry.
            var wanted = new (byte Proto, uint Dst, int Port, uint? Src, int SrcPort)[matches.Count];
            for (int i = 0; i < wanted.Length; i++)
            {
                var m = matches[i];
                wanted[i] = (m.Protocol, V4(m.Destination), m.Port, m.ReplySource is null ? null : V4(m.ReplySource), m.ReplyPort);
            }
            var tuples = new List<byte[]>();
            if (ReadDump(dumpSeq, wanted, tuples) is { } e2) return (0, e2);
            if (tuples.Count == 0) return (0, null);
            using var batch = new MemoryStream();
            uint first = _seq + 1;
            foreach (var t in tuples) batch.Write(Message(CtDelete, (ushort)(NLM_F_REQUEST | NLM_F_ACK), ++_seq, t));
            if (SendMessage(batch.ToArray()) is { } e3) return (0, e3);
            return ReadAcks(first, _seq);
        }
    }

    private static byte[] Message(ushort type, ushort flags, uint seq, ReadOnlySpan<byte> attrs)
    {
        var m = new byte[20 + attrs.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)m.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), seq);
        m[16] = AF_INET; // nfgenmsg: family, version 0, res_id 0
        attrs.CopyTo(m.AsSpan(20));
        return m;
    }

    private string? SendMessage(byte[] bytes) => Send(bytes, bytes.Length, "ctnetlink");

    /// <summary>One datagram into <c>_rx</c>: its length, or -1 with <paramref name="error"/> set (a failure, or nothing by <paramref name="deadline"/>).</summary>
    private unsafe int Receive(long deadline, string what, out string? error)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = _rx) n = recv(_fd, p, _rx.Length, MSG_DONTWAIT);
            if (n >= 0) { error = null; return (int)n; }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            if (errno != EAGAIN) { error = $"{what}: recv failed: {Errno(errno)}"; return -1; }
            if (Environment.TickCount64 > deadline) { error = $"{what}: no answer from the kernel"; return -1; }
            Thread.Sleep(1);
        }
    }

    /// <summary>Reads the dump's messages until NLMSG_DONE, keeping the original tuple (as sent, nested attribute and all) of each match.</summary>
    private string? ReadDump(uint seq, (byte Proto, uint Dst, int Port, uint? Src, int SrcPort)[] matches, List<byte[]> tuples)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            int n = Receive(deadline, "ctnetlink dump", out var error);
            if (n < 0) return error;
            var data = _rx.AsSpan(0, n);
            while (data.Length >= 16)
            {
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(data);
                if (len < 16 || len > data.Length) break;
                var msg = data[..(int)len];
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(msg[4..]);
                uint mseq = BinaryPrimitives.ReadUInt32LittleEndian(msg[8..]);
                data = data[(int)((len + 3) & ~3u)..];
                if (mseq != seq) continue;
                if (type == NLMSG_DONE) return null;
                if (type == NfNetlinkEncoder.NLMSG_ERROR)
                {
                    int err = msg.Length >= 20 ? BinaryPrimitives.ReadInt32LittleEndian(msg[16..]) : 0;
                    if (err != 0) return $"ctnetlink dump refused: {Errno(-err)}";
                    continue;
                }
                if (type == CtNew && msg.Length > 20 && Matching(msg[20..], matches) is { } tuple) tuples.Add(tuple);
            }
        }
    }

    private (int, string?) ReadAcks(uint first, uint last)
    {
        int deleted = 0, waiting = (int)(last - first + 1);
        var deadline = Environment.TickCount64 + 10_000;
        var errors = new List<string>();
        while (waiting > 0)
        {
            int n = Receive(deadline, "ctnetlink delete", out var error);
            if (n < 0) return (deleted, error);
            var data = _rx.AsSpan(0, n);
            while (data.Length >= 16)
            {
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(data);
                if (len < 16 || len > data.Length) break;
                var msg = data[..(int)len];
                uint seq = BinaryPrimitives.ReadUInt32LittleEndian(msg[8..]);
                data = data[(int)((len + 3) & ~3u)..];
                if (BinaryPrimitives.ReadUInt16LittleEndian(msg[4..]) != NfNetlinkEncoder.NLMSG_ERROR || seq < first || seq > last || msg.Length < 20) continue;
                waiting--;
                int err = BinaryPrimitives.ReadInt32LittleEndian(msg[16..]);
                if (err == 0) deleted++;
                else if (-err != 2) errors.Add(Errno(-err)); // ENOENT: the entry went by itself meanwhile
            }
        }
        return (deleted, errors.Count == 0 ? null : "ctnetlink delete: " + string.Join("; ", errors.Distinct()));
    }

    /// <summary>The entry's CTA_TUPLE_ORIG attribute when any match selects the entry, else null.</summary>
    private static byte[]? Matching(ReadOnlySpan<byte> attrs, (byte Proto, uint Dst, int Port, uint? Src, int SrcPort)[] matches)
    {
        ReadOnlySpan<byte> orig = default, reply = default, origRaw = default;
        foreach (var (type, body, raw) in Attributes(attrs))
        {
            if (type == CTA_TUPLE_ORIG) { orig = body; origRaw = raw; }
            else if (type == CTA_TUPLE_REPLY) reply = body;
        }
        if (origRaw.IsEmpty) return null;
        var o = Tuple(orig);
        var r = Tuple(reply);
        foreach (var m in matches)
        {
            if (o.Proto != m.Proto || o.DstPort != m.Port || o.Dst != m.Dst) continue;
            if (m.Src is uint src && (r.Src != src || r.SrcPort != m.SrcPort)) continue;
            return origRaw.ToArray();
        }
        return null;
    }

    private static uint V4(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[16];
        return ip.TryWriteBytes(b, out int w) && w == 4 ? BinaryPrimitives.ReadUInt32BigEndian(b) : throw new ArgumentException($"not an IPv4 address: {ip}");
    }

    private static (uint Src, uint Dst, byte Proto, int SrcPort, int DstPort) Tuple(ReadOnlySpan<byte> tuple)
    {
        uint src = 0, dst = 0;
        byte proto = 0;
        int sport = 0, dport = 0;
        foreach (var (type, body, _) in Attributes(tuple))
        {
            if (type == CTA_TUPLE_IP)
                foreach (var (t, v, _) in Attributes(body))
                {
                    if (v.Length != 4) continue;
                    if (t == CTA_IP_V4_SRC) src = BinaryPrimitives.ReadUInt32BigEndian(v);
                    else if (t == CTA_IP_V4_DST) dst = BinaryPrimitives.ReadUInt32BigEndian(v);
                }
            else if (type == CTA_TUPLE_PROTO)
                foreach (var (t, v, _) in Attributes(body))
                {
                    if (t == CTA_PROTO_NUM && v.Length >= 1) proto = v[0];
                    else if (t == CTA_PROTO_SRC_PORT && v.Length >= 2) sport = BinaryPrimitives.ReadUInt16BigEndian(v);
                    else if (t == CTA_PROTO_DST_PORT && v.Length >= 2) dport = BinaryPrimitives.ReadUInt16BigEndian(v);
                }
        }
        return (src, dst, proto, sport, dport);
    }

    /// <summary>Netlink attributes (type without the nested/byte-order flags, payload, whole attribute).</summary>
    private static AttributeList Attributes(ReadOnlySpan<byte> data) => new(data);

    private readonly ref struct AttributeList(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        public Enumerator GetEnumerator() => new(_data);

        public ref struct Enumerator(ReadOnlySpan<byte> data)
        {
            private ReadOnlySpan<byte> _rest = data;
            public Attribute Current { get; private set; }

            public bool MoveNext()
            {
                if (_rest.Length < 4) return false;
                int len = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
                if (len < 4 || len > _rest.Length) return false;
                Current = new Attribute((ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & 0x3fff), _rest[4..len], _rest[..len]);
                int next = (len + 3) & ~3;
                _rest = next >= _rest.Length ? [] : _rest[next..];
                return true;
            }
        }
    }

    private readonly ref struct Attribute(ushort type, ReadOnlySpan<byte> body, ReadOnlySpan<byte> raw)
    {
        private readonly ReadOnlySpan<byte> _body = body, _raw = raw;

        public void Deconstruct(out ushort type_, out ReadOnlySpan<byte> body_, out ReadOnlySpan<byte> raw_)
        {
            type_ = type;
            body_ = _body;
            raw_ = _raw;
        }
    }
}
