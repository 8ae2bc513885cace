using System.Net;
using System.Net.Sockets;
using Podwire.Datapath;

namespace Podwire.Lab.Probe;

/// <summary>
/// A pod's SCTP endpoint where the kernel has no SCTP sockets: raw SCTP sockets (IPv4 and, where
/// present, IPv6) opened in the pod's namespace answer every INIT as a kernel SCTP stack would
/// answer the first packet of an association: INIT ACK on a declared SCTP port, ABORT on any
/// other (RFC 9260 8.4). No association follows; a probe needs only this exchange, and both
/// packets pass the pod's real filters, conntrack and NAT. A kernel without an SCTP protocol
/// handler delivers such packets to raw sockets only, and sends no ICMP "protocol unreachable"
/// while one is open, so nothing else answers.
/// </summary>
internal sealed class SctpResponder
{
    public const int SctpProtocol = 132;

    private readonly Socket[] _sockets;
    private readonly HashSet<int> _ports;
    private readonly TextWriter _log;
    private readonly string _pod;
    private readonly byte[] _cookie;

    private SctpResponder(Socket[] sockets, HashSet<int> ports, TextWriter log, string pod, string name)
    {
        _cookie = System.Text.Encoding.UTF8.GetBytes(name);
        _sockets = sockets;
        _ports = ports;
        _log = log;
        _pod = pod;
    }

    public IReadOnlyCollection<int> Ports => _ports;

    /// <summary>Whether the kernel has SCTP sockets (a protocol, not a namespace, property: checked once).</summary>
    public static bool KernelHasSctpSockets => s_kernelHasSctp.Value;

    private static readonly Lazy<bool> s_kernelHasSctp = new(() =>
    {
        try
        {
            using var s = NativeSocket.Open(AddressFamily.InterNetwork, SocketType.Stream, SctpProtocol);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    });

    /// <summary>Opens the raw sockets; call it inside the pod's namespace. Null if raw sockets cannot be had (not root).</summary>
    /// <param name="pod">namespace/name, for the log.</param>
    /// <param name="name">The pod's hostname, carried in the INIT ACK's state cookie.</param>
    public static SctpResponder? Open(IEnumerable<int> ports, TextWriter log, string pod, string name)
    {
        var sockets = new List<Socket>(2);
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            try
            {
                sockets.Add(NativeSocket.Open(family, SocketType.Raw, SctpProtocol));
            }
            catch (SocketException)
            {
                // No IPv6 in this namespace, or no privilege for raw sockets.
            }
        }
        return sockets.Count == 0 ? null : new SctpResponder([.. sockets], [.. ports], log, pod, name);
    }

    /// <summary>Starts answering; the task ends once <see cref="Close"/> has closed the sockets.</summary>
    public Task Start()
    {
        var loops = new Task[_sockets.Length];
        for (int i = 0; i < _sockets.Length; i++)
        {
            var s = _sockets[i];
            loops[i] = Task.Run(() => Loop(s));
        }
        return Task.WhenAll(loops);
    }

    public void Close()
    {
        foreach (var s in _sockets) s.Dispose();
    }

    private async Task Loop(Socket socket)
    {
        bool v4 = socket.AddressFamily == AddressFamily.InterNetwork;
        EndPoint any = v4 ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        var buffer = new byte[2048];
        var reply = new byte[SctpPacket.InitAckLength(_cookie.Length)];
        while (true)
        {
            try
            {
                var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any).ConfigureAwait(false);
                var datagram = buffer.AsSpan(0, r.ReceivedBytes);
                var sctp = v4 ? SctpPacket.SkipIPv4Header(datagram) : datagram;
                // Only the first packet of an association gets an answer; INIT ACKs and ABORTs
                // arriving here are answers to this pod's own probes.
                if (!SctpPacket.TryRead(sctp, out var h) || h.Chunk != SctpPacket.Init || h.VerificationTag != 0) continue;
                int n = _ports.Contains(h.DestinationPort)
                    ? SctpPacket.WriteInitAck(reply, h.DestinationPort, h.SourcePort, h.InitiateTag, (uint)Random.Shared.Next(1, int.MaxValue), _cookie)
                    : SctpPacket.WriteAbort(reply, h.DestinationPort, h.SourcePort, h.InitiateTag);
                var to = new IPEndPoint(((IPEndPoint)r.RemoteEndPoint).Address, 0);
                await socket.SendToAsync(reply.AsMemory(0, n), SocketFlags.None, to).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (ProbePod.Closed(e))
            {
                return;
            }
            catch (SocketException e)
            {
                // A reply the route no longer carries (the prober's pod went away): keep answering.
                _log.WriteLine($"probe: {_pod} sctp: {e.SocketErrorCode}");
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }
}
