using Microsoft.Extensions.Primitives;

namespace Podwire.Ingress.Forwarding;

/// <summary>
/// Which client request headers go upstream, the same for both forwarders (RequestHeadWriter for
/// the fast path, ForwardedTransformer for YARP): hop-by-hop ones (RFC 9110 §7.6.1) and those
/// named by Connection are dropped, and so are the ones this proxy states itself
/// (X-Forwarded-*, X-Real-IP, Forwarded: clients are not trusted to state them) and names with
/// an underscore (ingress-nginx ignores them, since a backend may read <c>X_Forwarded_For</c> as
/// <c>X-Forwarded-For</c>, e.g. through CGI's HTTP_X_FORWARDED_FOR).
/// </summary>
internal static class HopByHop
{
    /// <summary>
    /// Whether Connection names Content-Length, Transfer-Encoding or Host. Dropping those would
    /// change how the backend frames or routes the message (issue 12 V1: a body sent without its
    /// Content-Length is read as a second, smuggled request); keeping them would ignore what the
    /// client asked. Neither is safe, so such a request is refused with 400.
    /// </summary>
    public static bool ConnectionNamesFraming(StringValues connection)
    {
        if (connection.Count == 0) return false;
        foreach (var v in connection)
        {
            var rest = (v ?? "").AsSpan();
            foreach (var range in rest.Split(','))
            {
                var token = rest[range].Trim(" \t");
                if (token.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                    || token.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                    || token.Equals("Host", StringComparison.OrdinalIgnoreCase))
                    return true;
            }
        }
        return false;
    }

    /// <summary>Whether Connection lists <paramref name="name"/> (any token, whatever else it lists: close and keep-alive included).</summary>
    public static bool NamedBy(StringValues connection, string name)
    {
        foreach (var v in connection)
        {
            var rest = (v ?? "").AsSpan();
            foreach (var range in rest.Split(','))
                if (rest[range].Trim(" \t").Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>Whether a client header is never forwarded as sent (hop-by-hop, stated by this proxy, or an underscore name).</summary>
    public static bool Dropped(string name) => name.Contains('_') || name.Length switch
    {
        2 => name.Equals("TE", StringComparison.OrdinalIgnoreCase),
        4 => name.Equals("Host", StringComparison.OrdinalIgnoreCase),
        6 => name.Equals("Expect", StringComparison.OrdinalIgnoreCase), // Kestrel answers 100-continue itself
        7 => name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase),
        9 => name.Equals("Forwarded", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Real-IP", StringComparison.OrdinalIgnoreCase),
        10 => name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase),
        15 => name.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase),
        16 => name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Forwarded-Host", StringComparison.OrdinalIgnoreCase)
            || name.Equals("X-Forwarded-Port", StringComparison.OrdinalIgnoreCase),
        17 => name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Forwarded-Proto", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>Whether the request header <paramref name="name"/> goes upstream as the client sent it.</summary>
    public static bool Forwarded(string name, StringValues connection) =>
        !Dropped(name) && (connection.Count == 0 || !NamedBy(connection, name)
            // Requests whose Connection names it are refused before this; never strip framing regardless.
            || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase));
}

/// <summary>The normalised target (Routing.RequestTarget) handed to YARP's transformer.</summary>
internal sealed class ForwardTargetFeature(string target)
{
    public string Target { get; } = target;
}
