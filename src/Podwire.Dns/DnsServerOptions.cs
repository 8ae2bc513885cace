using System.Net;

namespace Podwire.Dns;

/// <summary>Where and how the cluster DNS server listens.</summary>
/// <param name="Listen">UDP and TCP address (port 0 picks a free one; see <see cref="DnsServer.Port"/>).</param>
/// <param name="Upstreams">Where names outside the zone go, tried in order; none means REFUSED at once.</param>
/// <param name="UdpLoops">Receive loops, each on its own SO_REUSEPORT socket (default: one per core, at least 2).</param>
public sealed record DnsServerOptions(IPEndPoint Listen, IReadOnlyList<IPEndPoint> Upstreams, int UdpLoops = 0)
{
    /// <summary>How long one upstream gets before the next is tried.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>An idle TCP connection is closed after this long (RFC 7766 suggests seconds).</summary>
    /// <remarks>It bounds every read and write, so a message that stalls half-sent, or a length
    /// prefix promising more than ever comes, holds a connection no longer than this.</remarks>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>TCP connections served at once; more are closed as they arrive (Knot's tcp-max-clients).</summary>
    public int MaxTcpConnections { get; init; } = 256;

    /// <summary>
    /// Creates each listening socket (the lab passes one that enters a node's network namespace
    /// first: a socket stays in the namespace it was created in). Default: the current namespace.
    /// </summary>
    public Func<Func<System.Net.Sockets.Socket>, System.Net.Sockets.Socket>? OpenSocket { get; init; }

    public int EffectiveUdpLoops => UdpLoops > 0 ? UdpLoops : Math.Max(2, Environment.ProcessorCount);
}
