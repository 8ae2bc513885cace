using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Podwire.Ingress.Forwarding;

/// <summary>
/// The idle keep-alive connections to one backend address (<c>http://IP:PORT</c>), most
/// recently used first (warm connections; the cold ones at the bottom time out). Pools live in
/// an <see cref="UpstreamPools"/> shared by every configuration, so a reload keeps them warm.
/// </summary>
/// <remarks>
/// Hygiene by construction (issue 12 V2): before pooling, the forwarder calls <see cref="Return"/>
/// only when the response's framing ended exactly at the end of what it had read (a message
/// boundary, nothing buffered); when renting, <see cref="TryRent"/> hands a connection out only if
/// its socket is quiet — nothing unread and not closed. Bytes a backend sent beyond its response
/// (a wrong Content-Length, a body on HEAD/204/304, data after a chunked body or after 100
/// Continue and the final response) therefore close the connection instead of becoming the next
/// client's response. The socket is polled at rent only: bytes that arrive after Return would
/// escape a poll there anyway, and one poll per request is what the check costs (bench/ingress).
/// </remarks>
internal sealed class UpstreamPool
{
    private const int MaxIdle = 1024;
    /// <summary>Open connections per backend address, busy and idle (YARP's handler has the same cap): a flood of slow clients cannot take every socket of a pod.</summary>
    public const int MaxConnections = 1024;

    private readonly Lock _gate = new();
    private readonly UpstreamConnection[] _idle = new UpstreamConnection[MaxIdle];
    private int _idleCount;
    private readonly HashSet<UpstreamConnection> _all = [];

    public UpstreamPool(string destination, IPEndPoint endpoint, string authority)
    {
        Destination = destination;
        Endpoint = endpoint;
        Authority = authority;
    }

    /// <summary>"http://IP:PORT" as the configuration names it.</summary>
    public string Destination { get; }
    public IPEndPoint Endpoint { get; }
    /// <summary>"IP:PORT" for a request that came without a Host.</summary>
    public string Authority { get; }

    /// <summary>An idle connection, or null when there is none (the caller connects).</summary>
    public UpstreamConnection? TryRent()
    {
        while (true)
        {
            UpstreamConnection c;
            lock (_gate)
            {
                if (_idleCount == 0) return null;
                c = _idle[--_idleCount];
                _idle[_idleCount] = null!;
                if (c.IsClosed) continue;
                c.Busy = true;
                c.LastActivity = Environment.TickCount64;
            }
            if (Quiet(c)) return c;
            c.Close();
        }
    }

    /// <summary>
    /// Whether an idle connection has nothing to read: a readable socket holds bytes no request
    /// asked for, or the backend's FIN or RST, and is closed either way.
    /// </summary>
    private static bool Quiet(UpstreamConnection c)
    {
        try { return !c.Socket.Poll(0, SelectMode.SelectRead); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
    }

    /// <summary>A new connection, or null when this backend already has <see cref="MaxConnections"/> open.</summary>
    public async ValueTask<UpstreamConnection?> ConnectAsync(TimeSpan timeout)
    {
        if (Count >= MaxConnections) return null;
        var socket = new Socket(Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(Endpoint, cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var c = new UpstreamConnection(socket, this) { Busy = true };
        lock (_gate) _all.Add(c);
        return c;
    }

    /// <summary>Returns a connection whose exchange ended cleanly (nothing unread, keep-alive).</summary>
    public void Return(UpstreamConnection c)
    {
        c.Uses++;
        c.LastActivity = Environment.TickCount64;
        lock (_gate)
        {
            c.Busy = false;
            if (_idleCount < MaxIdle && !c.IsClosed) { _idle[_idleCount++] = c; return; }
        }
        c.Close();
    }

    internal void Forget(UpstreamConnection c)
    {
        lock (_gate) _all.Remove(c);
    }

    /// <summary>Closes idle connections unused for <paramref name="idle"/> and busy ones without progress for <paramref name="stuck"/>.</summary>
    public void Sweep(long now, long idle, long stuck)
    {
        List<UpstreamConnection>? close = null;
        lock (_gate)
        {
            foreach (var c in _all)
                if (now - c.LastActivity > (c.Busy ? stuck : idle)) (close ??= []).Add(c);
        }
        if (close is null) return;
        foreach (var c in close)
        {
            if (c.Busy) c.TimedOut = true;
            c.Close(); // the idle stack skips closed ones when renting
        }
    }

    public int Count { get { lock (_gate) return _all.Count; } }
}

/// <summary>Every backend address's pool, created on first use; a timer sweeps idle and stuck connections.</summary>
internal sealed class UpstreamPools : IDisposable
{
    private readonly ConcurrentDictionary<string, UpstreamPool?> _pools = new(StringComparer.Ordinal);
    private readonly Timer _sweeper;

    public UpstreamPools(TimeSpan idleTimeout, TimeSpan activityTimeout)
    {
        IdleTimeout = idleTimeout;
        ActivityTimeout = activityTimeout;
        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public TimeSpan IdleTimeout { get; }
    public TimeSpan ActivityTimeout { get; }

    /// <summary>The pool for "http://IP:PORT", or null when the destination is anything else (YARP forwards those).</summary>
    public UpstreamPool? For(string destination) => _pools.GetOrAdd(destination, static d => Create(d));

    private static UpstreamPool? Create(string destination)
    {
        if (!Uri.TryCreate(destination, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6)
            || uri.AbsolutePath != "/" || !IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var ip))
            return null;
        var ep = new IPEndPoint(ip, uri.Port);
        return new UpstreamPool(destination, ep, ep.ToString());
    }

    private void Sweep()
    {
        long now = Environment.TickCount64;
        long idle = (long)IdleTimeout.TotalMilliseconds, stuck = (long)ActivityTimeout.TotalMilliseconds;
        foreach (var (_, pool) in _pools) pool?.Sweep(now, idle, stuck);
    }

    public void Dispose() => _sweeper.Dispose();
}
