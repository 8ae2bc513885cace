using System.Text;

namespace Podwire.Ingress.Routing;

/// <summary>
/// The one target a request is routed by and forwarded with, derived once from the raw request
/// target (Kestrel's <c>IHttpRequestFeature.RawTarget</c>, the bytes the client sent), never from
/// Kestrel's decoded <c>Request.Path</c>: routing and both forwarders then agree on every byte.
/// </summary>
/// <remarks>
/// Normalisation (docs/INGRESS-SECURITY.md):
/// <list type="number">
/// <item>Only origin-form (<c>/path?query</c>) and absolute-form (<c>http://host/path?query</c>,
/// whose path and query are kept) are accepted; asterisk- and authority-form are refused.</item>
/// <item>Every character must be visible ASCII (RFC 9112 §3.2, §2.2: a bare CR or any other control
/// byte is refused, not passed on); a raw <c>#</c> is refused (a fragment is never sent, so a
/// client that sends one is confused or probing); a <c>%</c> must start a valid escape.</item>
/// <item>In the path, escapes of unreserved characters (ALPHA DIGIT - . _ ~) are decoded and the
/// hex of all other escapes upper-cased (RFC 3986 §6.2.2.1–2: the same URI); nothing else is
/// decoded, so <c>%2F</c>, <c>%3F</c>, <c>%23</c> and <c>%25</c> stay data and can never split a
/// segment, end the path or be decoded twice.</item>
/// <item>Dot segments are then removed (RFC 3986 §5.2.4), so <c>/a/%2e%2e/b</c> is <c>/b</c> for
/// the route table and for the backend alike.</item>
/// <item>The query is kept byte for byte; matching uses the path alone.</item>
/// </list>
/// A target that is already normal (the common case) is returned as the same string: no allocation.
/// </remarks>
internal static class RequestTarget
{
    /// <summary>The normalised origin-form target (path, then the query if any), or null: answer 400.</summary>
    public static string? Normalize(string raw)
    {
        if (raw.Length == 0) return null;
        int start = 0;
        if (raw[0] != '/')
        {
            if (!raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) return null;
            int authority = raw.IndexOf("://", StringComparison.Ordinal) + 3;
            int slash = raw.AsSpan(authority).IndexOfAny('/', '?');
            if (slash < 0) return "/";
            start = authority + slash;
        }
        bool plain = true;
        for (int i = start; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c <= ' ' || c >= '\x7F' || c == '#') return null;
            if (c == '%')
            {
                if (i + 2 >= raw.Length || !char.IsAsciiHexDigit(raw[i + 1]) || !char.IsAsciiHexDigit(raw[i + 2])) return null;
                plain = false;
            }
        }
        int queryAt = raw.IndexOf('?', start);
        int pathEnd = queryAt < 0 ? raw.Length : queryAt;
        var path = raw.AsSpan(start, pathEnd - start);
        if (plain && start == 0 && path.Length > 0 && !HasDotSegment(path)) return raw;

        var sb = new StringBuilder(raw.Length - start + 1);
        if (path.IsEmpty || path[0] != '/') sb.Append('/'); // absolute-form "http://h?q"
        for (int i = 0; i < path.Length; i++)
        {
            char c = path[i];
            if (c != '%') { sb.Append(c); continue; }
            char d = (char)((HexValue(path[i + 1]) << 4) | HexValue(path[i + 2]));
            if (char.IsAsciiLetterOrDigit(d) || d is '-' or '.' or '_' or '~') sb.Append(d);
            else sb.Append('%').Append(char.ToUpperInvariant(path[i + 1])).Append(char.ToUpperInvariant(path[i + 2]));
            i += 2;
        }
        var decoded = sb.ToString();
        var normal = HasDotSegment(decoded) ? RemoveDotSegments(decoded) : decoded;
        return queryAt < 0 ? normal : string.Concat(normal, raw.AsSpan(queryAt));
    }

    /// <summary>The path part of a normalised target: what the route table matches.</summary>
    public static ReadOnlySpan<char> PathOf(string target)
    {
        int q = target.IndexOf('?');
        return q < 0 ? target : target.AsSpan(0, q);
    }

    private static bool HasDotSegment(ReadOnlySpan<char> path)
    {
        for (int i = path.IndexOf("/."); i >= 0; )
        {
            var rest = path[(i + 2)..];
            if (rest.IsEmpty || rest[0] == '/' || (rest[0] == '.' && (rest.Length == 1 || rest[1] == '/'))) return true;
            int next = rest.IndexOf("/.");
            if (next < 0) return false;
            i += 2 + next;
        }
        return false;
    }

    /// <summary>RFC 3986 §5.2.4 for an absolute path: "." vanishes, ".." drops the segment before it, never above the root.</summary>
    internal static string RemoveDotSegments(string path)
    {
        var segments = path.Split('/');
        var kept = new List<string>(segments.Length);
        bool trailingSlash = false;
        for (int i = 1; i < segments.Length; i++)
        {
            var s = segments[i];
            trailingSlash = false;
            if (s == ".") trailingSlash = true;
            else if (s == "..")
            {
                if (kept.Count > 0) kept.RemoveAt(kept.Count - 1);
                trailingSlash = true;
            }
            else kept.Add(s);
        }
        var result = "/" + string.Join('/', kept);
        return trailingSlash && !result.EndsWith('/') ? result + "/" : result;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
