using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Podwire.Datapath;

/// <summary>
/// Sockets of protocols System.Net.Sockets will not name: its protocol table stops at the ones
/// it knows, so an SCTP socket (stream or raw) fails with "protocol not supported" whatever the
/// kernel has. The descriptor is made with socket(2) and handed to a Socket, which then does
/// async I/O on it as on any other.
/// </summary>
public static partial class NativeSocket
{
    private const int AF_INET = 2, AF_INET6 = 10, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    /// <summary>A socket in the calling thread's namespace; throws SocketException with the kernel's error.</summary>
    public static Socket Open(AddressFamily family, SocketType type, int protocol)
    {
        int domain = family == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;
        int kind = type switch
        {
            SocketType.Stream => SOCK_STREAM,
            SocketType.Dgram => SOCK_DGRAM,
            SocketType.Raw => SOCK_RAW,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "stream, datagram or raw"),
        };
        int fd = socket(domain, kind | SOCK_CLOEXEC, protocol);
        if (fd < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }
}
