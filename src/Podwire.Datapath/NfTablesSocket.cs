using System.Runtime.InteropServices;
using System.Text;

namespace Podwire.Datapath;

/// <summary>
/// An AF_NETLINK/NETLINK_NETFILTER socket speaking nf_tables, bound for its whole life to the
/// network namespace it was opened in (<see cref="Open"/> creates it inside the namespace, as
/// sockets keep the namespace they were created in). Commits element batches as one transaction
/// and checks the kernel's answer to every message. Not thread-safe: one commit at a time.
/// </summary>
public sealed partial class NfTablesSocket : INftElements
{
    private const int AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_NETFILTER = 12;
    private const int SOL_SOCKET = 1, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_RCVTIMEO = 20;
    private const int SOL_NETLINK = 270, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;
    private const int MSG_DONTWAIT = 0x40;
    private const int EAGAIN = 11, EINTR = 4;
    private const ushort NLM_F_ACK_TLVS = 0x200;
    private const ushort NLMSGERR_ATTR_MSG = 1;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int setsockopt(int fd, int level, int name, void* value, int len);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint send(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    private readonly Lock _gate = new();
    private int _fd;
    private int _sndbuf;
    private uint _seq;
    private readonly byte[] _rx = new byte[64 * 1024];

    public string? Netns { get; }

    private NfTablesSocket(int fd, string? netns)
    {
        _fd = fd;
        Netns = netns;
        // Sequence numbers distinguish this commit's answers from any stale ones.
        _seq = (uint)Environment.TickCount;
    }

    /// <summary>Opens the socket inside <paramref name="netns"/> (a name under /run/netns), or in the current namespace when null.</summary>
    public static NfTablesSocket Open(string? netns)
    {
        int fd = netns is null ? Create() : Datapath.Netns.RunIn(netns, Create);
        var s = new NfTablesSocket(fd, netns);
        s.SetInt(SOL_NETLINK, NETLINK_CAP_ACK, 1); // errors echo the header only, not 60 KiB of elements
        s.SetInt(SOL_NETLINK, NETLINK_EXT_ACK, 1); // and carry the kernel's message when it has one
        s.SetInt(SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20);
        return s;
    }

    private static int Create()
    {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0) throw new DatapathException($"socket(AF_NETLINK, NETLINK_NETFILTER) failed: {Errno(Marshal.GetLastPInvokeError())}");
        return fd;
    }

    private unsafe bool SetInt(int level, int name, int value)
    {
        return setsockopt(_fd, level, name, &value, sizeof(int)) == 0;
    }

    public string? Commit(NftElementBatch batch)
    {
        if (batch.IsEmpty) return null;
        lock (_gate)
        {
            if (_fd < 0) return "nf_tables socket is closed";
            var enc = NfNetlinkEncoder.Encode(batch, _seq);
            _seq += (uint)enc.Messages.Count + 2;
            // The whole batch must go in one datagram: the kernel parses a batch from one skb.
            if (enc.Length + 4096 > _sndbuf)
            {
                _sndbuf = Math.Max(enc.Length + 65536, 1 << 20);
                if (!SetInt(SOL_SOCKET, SO_SNDBUFFORCE, _sndbuf))
                    return $"setsockopt(SO_SNDBUFFORCE, {_sndbuf}) failed: {Errno(Marshal.GetLastPInvokeError())}";
            }
            if (SendAll(enc) is { } sendError) return sendError;
            return ReadAnswers(enc);
        }
    }

    private string? SendAll(NfNetlinkEncoder.Encoded enc) => Send(enc.Bytes, enc.Length, "netlink");

    private unsafe string? Send(byte[] bytes, int length, string what)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = bytes) n = send(_fd, p, length, 0);
            if (n == length) return null;
            int errno = Marshal.GetLastPInvokeError();
            if (n < 0 && errno == EINTR) continue;
            return n < 0 ? $"{what} send of {length} bytes failed: {Errno(errno)}" : $"{what} send was short: {n} of {length} bytes";
        }
    }

    /// <summary>
    /// Reads until every message of the batch has its ACK or error. The kernel processes a batch
    /// synchronously inside send(), so the answers are normally queued already; a receive timeout
    /// guards against a kernel that never answers. An error naming the BATCH_BEGIN message means
    /// the whole batch was refused (or the commit failed) even if every message was acknowledged.
    /// </summary>
    private unsafe string? ReadAnswers(NfNetlinkEncoder.Encoded enc)
    {
        var pending = new Dictionary<uint, string>(enc.Messages.Count);
        foreach (var m in enc.Messages) pending[m.Seq] = m.What;
        var errors = new List<string>();
        bool batchError = false;
        var deadline = Environment.TickCount64 + 30_000;
        while (pending.Count > 0 || batchError)
        {
            nint n;
            fixed (byte* p = _rx) n = recv(_fd, p, _rx.Length, MSG_DONTWAIT);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                if (errno == EAGAIN)
                {
                    if (batchError) break; // drained what the refused batch left behind
                    if (Environment.TickCount64 > deadline) { errors.Add($"no answer from the kernel for {pending.Count} message(s)"); break; }
                    Thread.Sleep(1);
                    continue;
                }
                errors.Add($"netlink recv failed: {Errno(errno)} (the answers were lost; the kernel state is unknown)");
                break;
            }
            Parse(_rx.AsSpan(0, (int)n), enc.BeginSeq, pending, errors, ref batchError);
        }
        return errors.Count == 0 ? null : "nf_tables: " + string.Join("; ", errors);
    }

    private static void Parse(ReadOnlySpan<byte> data, uint beginSeq, Dictionary<uint, string> pending, List<string> errors, ref bool batchError)
    {
        while (data.Length >= 16)
        {
            uint len = MemoryMarshal.Read<uint>(data);
            if (len < 16 || len > data.Length) break;
            var msg = data[..(int)len];
            ushort type = MemoryMarshal.Read<ushort>(msg[4..]);
            ushort flags = MemoryMarshal.Read<ushort>(msg[6..]);
            uint seq = MemoryMarshal.Read<uint>(msg[8..]);
            if (type == NfNetlinkEncoder.NLMSG_ERROR && msg.Length >= 36)
            {
                int err = MemoryMarshal.Read<int>(msg[16..]);
                if (seq == beginSeq)
                {
                    if (err != 0) { errors.Add($"batch refused: {Errno(-err)}{ExtAck(msg, flags)}"); batchError = true; }
                }
                else if (pending.Remove(seq, out var what) && err != 0)
                    errors.Add($"{what}: {Errno(-err)}{ExtAck(msg, flags)}");
            }
            data = data[(int)((len + 3) & ~3u)..];
        }
    }

    /// <summary>The kernel's extended-ACK message, when it gave one (after the capped echoed header).</summary>
    private static string ExtAck(ReadOnlySpan<byte> msg, ushort flags)
    {
        if ((flags & NLM_F_ACK_TLVS) == 0 || msg.Length <= 36) return "";
        var tlvs = msg[36..];
        while (tlvs.Length >= 4)
        {
            ushort len = MemoryMarshal.Read<ushort>(tlvs);
            ushort type = MemoryMarshal.Read<ushort>(tlvs[2..]);
            if (len < 4 || len > tlvs.Length) break;
            if ((type & 0x3fff) == NLMSGERR_ATTR_MSG)
                return " (" + Encoding.UTF8.GetString(tlvs[4..len]).TrimEnd('\0') + ")";
            tlvs = tlvs[((len + 3) & ~3)..];
        }
        return "";
    }

    /// <summary>"ENOENT (No such file or directory)": the name, which nft users know, and the text.</summary>
    public static string Errno(int errno)
    {
        string name = errno switch
        {
            1 => "EPERM", 2 => "ENOENT", 4 => "EINTR", 7 => "E2BIG", 11 => "EAGAIN", 12 => "ENOMEM", 13 => "EACCES",
            16 => "EBUSY", 17 => "EEXIST", 22 => "EINVAL", 28 => "ENOSPC", 34 => "ERANGE", 90 => "EMSGSIZE",
            93 => "EPROTONOSUPPORT", 95 => "EOPNOTSUPP", 105 => "ENOBUFS", 110 => "ETIMEDOUT",
            _ => "errno " + errno,
        };
        return $"{name} ({Marshal.GetPInvokeErrorMessage(errno)})";
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_fd < 0) return;
            close(_fd);
            _fd = -1;
        }
    }
}
