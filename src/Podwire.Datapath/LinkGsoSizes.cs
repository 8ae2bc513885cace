using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Podwire.Datapath;

/// <summary>
/// Raises the GSO/GRO packet-size limits (BIG TCP, kernel ≥ 6.3) of every link in a network
/// namespace through rtnetlink: IFLA_GSO_MAX_SIZE, IFLA_GRO_MAX_SIZE and their IPv4 variants.
/// Written here because iproute2 6.1 (Debian 12) cannot set the IPv4 ones.
/// </summary>
public static partial class LinkGsoSizes
{
    private const int AF_NETLINK = 16, SOCK_RAW = 3, NETLINK_ROUTE = 0;
    private const ushort RTM_NEWLINK = 16, NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLMSG_ERROR = 2;
    private const ushort IFLA_GSO_MAX_SIZE = 41, IFLA_GRO_MAX_SIZE = 58, IFLA_GSO_IPV4_MAX_SIZE = 63, IFLA_GRO_IPV4_MAX_SIZE = 64;

    [StructLayout(LayoutKind.Sequential)]
    private struct IfNameIndex
    {
        public uint Index;
        public nint Name;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint send(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    [LibraryImport("libc")]
    private static partial nint if_nameindex();

    [LibraryImport("libc")]
    private static partial void if_freenameindex(nint list);

    /// <summary>
    /// Sets the limits of every link but loopback in <paramref name="netns"/> to <paramref name="size"/>
    /// bytes; returns the links it could not change ("name: errno N"), empty when all took it.
    /// </summary>
    public static IReadOnlyList<string> Apply(string netns, uint size) => Netns.RunIn(netns, () => ApplyHere(size));

    private static unsafe List<string> ApplyHere(uint size)
    {
        var failures = new List<string>();
        var links = new List<(uint Index, string Name)>();
        nint list = if_nameindex();
        if (list == 0) throw new DatapathException($"if_nameindex failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            for (var p = (IfNameIndex*)list; p->Index != 0; p++)
            {
                var name = Marshal.PtrToStringUTF8(p->Name) ?? "";
                if (name != "lo") links.Add((p->Index, name));
            }
        }
        finally { if_freenameindex(list); }

        int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
        if (fd < 0) throw new DatapathException($"rtnetlink socket failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            Span<byte> msg = stackalloc byte[16 + 16 + 4 * 8];
            Span<byte> reply = stackalloc byte[512];
            uint seq = 1;
            foreach (var (index, name) in links)
            {
                msg.Clear();
                BinaryPrimitives.WriteUInt32LittleEndian(msg, (uint)msg.Length);
                BinaryPrimitives.WriteUInt16LittleEndian(msg[4..], RTM_NEWLINK);
                BinaryPrimitives.WriteUInt16LittleEndian(msg[6..], NLM_F_REQUEST | NLM_F_ACK);
                BinaryPrimitives.WriteUInt32LittleEndian(msg[8..], seq);
                // struct ifinfomsg { family, pad, type, index, flags, change }: only the index.
                BinaryPrimitives.WriteInt32LittleEndian(msg[20..], (int)index);
                int at = 32;
                foreach (var type in (ReadOnlySpan<ushort>)[IFLA_GSO_MAX_SIZE, IFLA_GRO_MAX_SIZE, IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE])
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(msg[at..], 8);
                    BinaryPrimitives.WriteUInt16LittleEndian(msg[(at + 2)..], type);
                    BinaryPrimitives.WriteUInt32LittleEndian(msg[(at + 4)..], size);
                    at += 8;
                }
                fixed (byte* m = msg)
                    if (send(fd, m, msg.Length, 0) != msg.Length) { failures.Add($"{name}: send errno {Marshal.GetLastPInvokeError()}"); continue; }
                nint n;
                fixed (byte* r = reply) n = recv(fd, r, reply.Length, 0);
                if (n < 20) { failures.Add($"{name}: no answer"); continue; }
                if (BinaryPrimitives.ReadUInt16LittleEndian(reply[4..]) == NLMSG_ERROR)
                {
                    int errno = -BinaryPrimitives.ReadInt32LittleEndian(reply[16..]);
                    if (errno != 0) failures.Add($"{name}: errno {errno}");
                }
                seq++;
            }
        }
        finally { close(fd); }
        return failures;
    }
}
