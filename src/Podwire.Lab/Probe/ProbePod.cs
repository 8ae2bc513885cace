using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Podwire.Model;

namespace Podwire.Lab.Probe;

/// <summary>
/// The sockets of one pod and the loops serving them. Every loop is async (an accept or receive
/// waits on epoll, not on a thread), so a thousand listeners cost a few kilobytes each. Closing
/// disposes every listener and every open connection, which ends the loops.
/// </summary>
internal sealed class ProbePod
{
    private readonly ProbeTarget _target;
    private readonly byte[] _podName;
    private readonly TextWriter _log;
    private readonly TimeSpan _idleTimeout;
    private readonly List<(Socket Socket, Protocol Protocol, int Port)> _listeners;
    private readonly SctpResponder? _sctp;
    private readonly HashSet<Socket> _connections = [];
    private readonly List<Task> _loops = [];
    private bool _closed;

    public ProbePod(ProbeTarget target, List<(Socket, Protocol, int)> listeners, SctpResponder? sctp, TextWriter log, TimeSpan idleTimeout)
    {
        _sctp = sctp;
        _target = target;
        _podName = Encoding.UTF8.GetBytes(target.Name);
        _listeners = listeners;
        _log = log;
        _idleTimeout = idleTimeout;
    }

    /// <summary>The error a pending accept or receive ends with when its socket is closed under it.</summary>
    internal static bool Closed(SocketException e) =>
        e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown;

    public int ListenerCount => _listeners.Count + (_sctp?.Ports.Count ?? 0);

    public void Start()
    {
        if (_sctp is not null) _loops.Add(_sctp.Start());
        foreach (var (socket, protocol, port) in _listeners)
            _loops.Add(protocol == Protocol.UDP ? Task.Run(() => UdpLoop(socket, port)) : Task.Run(() => AcceptLoop(socket, port)));
    }

    /// <summary>Closes every socket; returns the loops so a caller can wait for them to end.</summary>
    public Task Close()
    {
        Socket[] open;
        lock (_connections)
        {
            if (_closed) return Task.WhenAll(_loops);
            _closed = true;
            open = [.. _connections];
            _connections.Clear();
        }
        foreach (var (socket, _, _) in _listeners) socket.Dispose();
        _sctp?.Close();
        foreach (var c in open) CloseGracefully(c);
        return Task.WhenAll(_loops);
    }

    // A FIN rather than the reset a bare Dispose of a socket with a pending receive sends, so a
    // kept-alive client sees an orderly end, as when any HTTP server closes an idle connection.
    private static void CloseGracefully(Socket c)
    {
        try
        {
            c.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        c.Dispose();
    }

    private async Task AcceptLoop(Socket listener, int port)
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync().ConfigureAwait(false);
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
                // Out of descriptors or a connection reset before accept: keep listening, but do
                // not spin if the error persists.
                _log.WriteLine($"probe: {_target.Namespace}/{_target.Name} accept on {port}: {e.SocketErrorCode}");
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }
            if (!Track(connection)) return;
            _ = ServeConnection(connection);
        }
    }

    private bool Track(Socket connection)
    {
        lock (_connections)
        {
            if (!_closed)
            {
                _connections.Add(connection);
                return true;
            }
        }
        connection.Dispose();
        return false;
    }

    private void Untrack(Socket connection)
    {
        lock (_connections) _connections.Remove(connection);
        connection.Dispose();
    }

    private async Task ServeConnection(Socket s)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(HttpRequestHead.MaxHeadBytes);
        using var idle = new CancellationTokenSource();
        try
        {
            s.NoDelay = true;
            var client = (IPEndPoint)s.RemoteEndPoint!;
            var filled = 0;
            while (true)
            {
                var status = HttpRequestHead.TryParse(buffer.AsSpan(0, filled), out var head, out var consumed);
                if (status == HttpParseStatus.Incomplete)
                {
                    idle.CancelAfter(_idleTimeout);
                    var n = await s.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, idle.Token).ConfigureAwait(false);
                    if (n == 0) return;
                    filled += n;
                    continue;
                }
                if (status != HttpParseStatus.Ok)
                {
                    await SendAll(s, ProbeResponses.Error(status, DateTimeOffset.UtcNow)).ConfigureAwait(false);
                    s.Shutdown(SocketShutdown.Send);
                    return;
                }

                // Drop the head and the body (the probe answers without reading it) from the buffer.
                var bodyLeft = head!.ContentLength;
                var inBuffer = (int)Math.Min(bodyLeft, filled - consumed);
                bodyLeft -= inBuffer;
                var kept = filled - consumed - inBuffer;
                buffer.AsSpan(consumed + inBuffer, kept).CopyTo(buffer);
                filled = kept;
                while (bodyLeft > 0)
                {
                    idle.CancelAfter(_idleTimeout);
                    var n = await s.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, idle.Token).ConfigureAwait(false);
                    if (n == 0) return;
                    var take = (int)Math.Min(bodyLeft, n);
                    bodyLeft -= take;
                    buffer.AsSpan(take, n - take).CopyTo(buffer);
                    filled = n - take;
                }

                var (code, contentType, body) = ProbeResponses.Answer(head, _target.Name, _target.Namespace, client);
                var keepAlive = head.KeepAlive;
                var isHead = head.Method == "HEAD";
                await SendAll(s, ProbeResponses.Build(code, contentType, body, keepAlive, head.MinorVersion, isHead, DateTimeOffset.UtcNow)).ConfigureAwait(false);
                if (!keepAlive)
                {
                    s.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer went away, the pod was removed, or the connection sat idle too long.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Untrack(s);
        }
    }

    private static async Task SendAll(Socket s, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var n = await s.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            data = data[n..];
        }
    }

    private async Task UdpLoop(Socket socket, int port)
    {
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (true)
        {
            byte[]? buffer = null;
            try
            {
                // Wait with an empty peek, so an idle UDP port holds no buffer; rent one only
                // once a datagram is there.
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(65536);
                var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any).ConfigureAwait(false);
                var reply = ProbeResponses.Udp(buffer.AsSpan(0, r.ReceivedBytes), _podName).ToArray();
                await socket.SendToAsync(reply, SocketFlags.None, r.RemoteEndPoint).ConfigureAwait(false);
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
                // An ICMP error from an earlier reply (the client left) surfaces here; keep serving.
                if (e.SocketErrorCode is not (SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.HostUnreachable or SocketError.NetworkUnreachable))
                {
                    _log.WriteLine($"probe: {_target.Namespace}/{_target.Name} udp {port}: {e.SocketErrorCode}");
                    await Task.Delay(50).ConfigureAwait(false);
                }
            }
            finally
            {
                if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
