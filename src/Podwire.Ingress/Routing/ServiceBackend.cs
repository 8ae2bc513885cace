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
