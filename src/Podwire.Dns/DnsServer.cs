using System.Net;
using System.Net.Sockets;
using Podwire.Controllers.Dns;

namespace Podwire.Dns;

/// <summary>
/// The cluster DNS server: UDP and TCP on one address, answering from the current
/// <see cref="DnsSnapshot"/>. <see cref="Update"/> swaps in a new snapshot atomically; queries
/// in flight finish on the old one.
/// </summary>
/// <remarks>
/// UDP runs one blocking receive loop per core, each on its own socket bound with SO_REUSEPORT
/// so the kernel spreads clients across them; a loop receives into and replies from buffers it
/// owns, with the allocation-free SocketAddress overloads. TCP and forwarding are async and off
/// that path.
/// </remarks>
public sealed class DnsServer : IDisposable
{
    private const int SolSocket = 1, SoReusePort = 15; // Linux values
    private DnsSnapshot _snapshot;
    private readonly List<Socket> _udp = [];
    private readonly List<Thread> _threads = [];
    private readonly Socket _tcp;
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;
    private int _tcpConnections;

    private DnsServer(DnsServerOptions options, DnsSnapshot snapshot)
    {
        Options = options;
        _snapshot = snapshot;
        Forwarder = new DnsForwarder(options.Upstreams, options.UpstreamTimeout);
        var listen = options.Listen;
        var open = options.OpenSocket ?? (make => make());
        // TCP first: with port 0 it picks the port the UDP sockets then share.
        _tcp = open(() =>
        {
            var t = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            t.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            t.Bind(listen);
            return t;
        });
        Port = ((IPEndPoint)_tcp.LocalEndPoint!).Port;
        var udpEndpoint = new IPEndPoint(listen.Address, Port);
        for (int i = 0; i < options.EffectiveUdpLoops; i++)
        {
            _udp.Add(open(() =>
            {
                var u = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                if (OperatingSystem.IsLinux()) u.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
                u.ReceiveBufferSize = 4 << 20;
                u.Bind(udpEndpoint);
                return u;
            }));
        }
        _tcp.Listen(512);
    }

    public DnsServerOptions Options { get; }
    public DnsForwarder Forwarder { get; }
    /// <summary>The bound port (useful when listening on port 0).</summary>
    public int Port { get; }
    public DnsSnapshot Snapshot => Volatile.Read(ref _snapshot);
    /// <summary>TCP connections being served now.</summary>
    public int TcpConnections => Volatile.Read(ref _tcpConnections);

    /// <summary>Called by a TCP connection before its socket closes, so a client that sees the close can connect again at once.</summary>
    internal void TcpClosed() => Interlocked.Decrement(ref _tcpConnections);

    /// <summary>Binds the sockets and starts serving <paramref name="zone"/>.</summary>
    public static DnsServer Start(DnsServerOptions options, DnsZone zone) => Start(options, DnsSnapshot.Build(zone));

    /// <summary>Starts serving a snapshot already built (several servers can share one).</summary>
    public static DnsServer Start(DnsServerOptions options, DnsSnapshot snapshot)
    {
        var server = new DnsServer(options, snapshot);
        for (int i = 0; i < server._udp.Count; i++)
        {
            var socket = server._udp[i];
            var t = new Thread(() => server.UdpLoop(socket)) { IsBackground = true, Name = $"dns-udp-{i}" };
            server._threads.Add(t);
            t.Start();
        }
        _ = server.AcceptLoop();
        return server;
    }

    /// <summary>Encodes <paramref name="zone"/> and makes it the answer to every later query.</summary>
    public void Update(DnsZone zone) => Update(DnsSnapshot.Build(zone));

    public void Update(DnsSnapshot snapshot) => Volatile.Write(ref _snapshot, snapshot);

    private void UdpLoop(Socket socket)
    {
        var query = new byte[65535];
        var reply = new byte[65535];
        var from = new SocketAddress(socket.AddressFamily);
        bool canForward = Forwarder.Enabled;
        while (!_stopping.IsCancellationRequested)
        {
            int n;
            try { n = socket.ReceiveFrom(query, SocketFlags.None, from); }
            catch (SocketException) { continue; }          // e.g. ICMP port unreachable reported on the socket
            catch (ObjectDisposedException) { return; }    // Dispose closes the socket to end the loop
            int m = DnsResponder.Answer(Snapshot, query.AsSpan(0, n), reply, udp: true, canForward, out var what);
            if (what == DnsDisposition.Reply)
            {
                try { socket.SendTo(reply.AsSpan(0, m), SocketFlags.None, from); }
                catch (SocketException) { }
                catch (ObjectDisposedException) { return; }
            }
            else if (what == DnsDisposition.Forward) _ = ForwardUdp(socket, query.AsSpan(0, n).ToArray(), CopyAddress(from));
        }
    }

    private static SocketAddress CopyAddress(SocketAddress a)
    {
        var copy = new SocketAddress(a.Family, a.Size);
        a.Buffer.Span.CopyTo(copy.Buffer.Span);
        return copy;
    }

    private async Task ForwardUdp(Socket socket, byte[] query, SocketAddress client)
    {
        var reply = await Forwarder.ForwardAsync(query, tcp: false, _stopping.Token).ConfigureAwait(false);
        // The upstream honours the client's EDNS size, which may exceed what we send over UDP.
        if (reply.Length > DnsResponder.UdpLimit(query)) reply = DnsResponder.TruncateRelayed(query, reply);
        try { await socket.SendToAsync(reply, SocketFlags.None, client); }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    private async Task AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try { client = await _tcp.AcceptAsync(_stopping.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            // Bounded: past the limit a new connection is closed at once, so stalled clients can
            // tie up at most MaxTcpConnections connections, each for at most TcpIdleTimeout.
            if (Interlocked.Increment(ref _tcpConnections) > Options.MaxTcpConnections)
            {
                Interlocked.Decrement(ref _tcpConnections);
                client.Dispose();
                continue;
            }
            _ = Task.Run(() => DnsTcp.Serve(client, this, _stopping.Token));
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        _tcp.Dispose();
        foreach (var s in _udp) s.Dispose();
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(2));
        _stopping.Dispose();
    }
}
