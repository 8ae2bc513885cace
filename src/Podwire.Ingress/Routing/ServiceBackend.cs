using Podwire.Ingress.Forwarding;

namespace Podwire.Ingress.Routing;

/// <summary>
/// One Service port as the proxy sees it: the ready endpoints as destination prefixes
/// (<c>http://ip:port</c>), taken round-robin. Empty when the Service is missing, has no such
/// port or no ready endpoint: such requests get 503, as from ingress-nginx.
/// </summary>
public sealed class ServiceBackend(string key, string port, IReadOnlyList<string> destinations, string note)
{
    private readonly string[] _destinations = [.. destinations];
    private int _next = -1;

    /// <summary>"ns/name:port".</summary>
    public string Key { get; } = key;
    public string Port { get; } = port;
    public IReadOnlyList<string> Destinations => _destinations;
    /// <summary>Why the destinations are what they are (for status and logs).</summary>
    public string Note { get; } = note;

    private static readonly object NoPool = new();
    private object?[]? _pools; // per destination: its UpstreamPool, or NoPool for one YARP forwards

    /// <summary>
    /// The next destination and, when it is a plain-HTTP address, its connection pool (resolved
    /// once per destination and configuration); (null, null) when there is none.
    /// </summary>
    internal (string? Destination, UpstreamPool? Pool) NextUpstream(UpstreamPools pools)
    {
        var d = _destinations;
        if (d.Length == 0) return (null, null);
        int i = d.Length == 1 ? 0 : (int)((uint)Interlocked.Increment(ref _next) % (uint)d.Length);
        var cache = _pools ??= new object?[d.Length];
        var slot = Volatile.Read(ref cache[i]);
        if (slot is null) Volatile.Write(ref cache[i], slot = (object?)pools.For(d[i]) ?? NoPool);
        return (d[i], slot as UpstreamPool);
    }

    /// <summary>The next destination, or null when there is none.</summary>
    public string? Next()
    {
        var d = _destinations;
        if (d.Length == 0) return null;
        if (d.Length == 1) return d[0];
        uint i = (uint)Interlocked.Increment(ref _next);
        return d[i % (uint)d.Length];
    }
}
