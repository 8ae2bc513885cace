using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Podwire.Datapath;

/// <summary>
/// Raw IP sockets for protocols System.Net.Sockets will not name: its protocol table stops at
/// the protocols it knows (IPPROTO_SCTP raw sockets fail with "protocol not supported" although
/// the kernel allows them), so the descriptor is made with socket(2) and handed to a Socket,
/// which then does async I/O on it as on any other.
/// </summary>
public static partial class RawSocket
{
    private const int AF_INET = 2, AF_INET6 = 10, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    /// <summary>A raw socket of <paramref name="protocol"/> in the calling thread's namespace; throws SocketException on failure.</summary>
    public static Socket Open(AddressFamily family, int protocol)
    {
        int domain = family == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;
        int fd = socket(domain, SOCK_RAW | SOCK_CLOEXEC, protocol);
        if (fd < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }
}
