using System.Text;
using Microsoft.Extensions.Primitives;

namespace Podwire.Ingress.Forwarding;

/// <summary>
/// Writes the HTTP/1.1 request head sent to a backend straight from Kestrel's parsed request:
/// the same request line YARP would send (path re-encoded, query as received), the client's
/// headers minus hop-by-hop ones, the client's Host (backends route on it, as behind
/// ingress-nginx) and X-Forwarded-For/-Proto/-Host from the connection, replacing any the client
/// sent (clients are not trusted to state them). Kestrel has already refused CR, LF and NUL in
/// everything copied here, so no header can be injected.
/// </summary>
internal static class RequestHeadWriter
{
    /// <summary>The head's length in <paramref name="dest"/>, or -1 when it does not fit.</summary>
    public static int Write(Span<byte> dest, HttpContext context, string authority)
    {
        var w = new SpanWriter(dest);
        var request = context.Request;
        w.Text(request.Method);
        w.Byte((byte)' ');
        string path = request.Path.HasValue ? request.Path.ToUriComponent() : "/";
        w.Text(path.Length == 0 ? "/" : path);
        if (request.QueryString.Value is { Length: > 0 } query) w.Text(query);
        w.Bytes(" HTTP/1.1\r\nHost: "u8);
        string host = request.Host.Value ?? "";
        w.Text(host.Length > 0 ? host : authority);
        w.Bytes("\r\n"u8);

        var headers = request.Headers;
        var connection = headers.Connection;
        bool namedByConnection = connection.Count > 0 && ConnectionNamesHeaders(connection);
        foreach (var (name, values) in headers)
        {
            if (IsHopByHopOrOurs(name) || (namedByConnection && Named(connection, name))) continue;
            w.Text(name);
            w.Bytes(": "u8);
            if (values.Count == 1) w.Text(values[0]);
            else
            {
                // Kestrel joins repeated headers into one StringValues; one line keeps them one field.
                string separator = name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ";
                for (int i = 0; i < values.Count; i++)
                {
                    if (i > 0) w.Text(separator);
                    w.Text(values[i]);
                }
            }
            w.Bytes("\r\n"u8);
        }

        if (context.Connection.RemoteIpAddress is { } remote)
        {
            if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
            w.Bytes("X-Forwarded-For: "u8);
            w.Address(remote);
            w.Bytes("\r\n"u8);
        }
        w.Bytes(request.IsHttps ? "X-Forwarded-Proto: https\r\n"u8 : "X-Forwarded-Proto: http\r\n"u8);
        if (host.Length > 0)
        {
            w.Bytes("X-Forwarded-Host: "u8);
            w.Text(host);
            w.Bytes("\r\n"u8);
        }
        w.Bytes("\r\n"u8);
        return w.Overflow ? -1 : w.Position;
    }

    /// <summary>Headers that describe this connection, not the message (RFC 9110 §7.6.1), and the ones this proxy sets itself.</summary>
    internal static bool IsHopByHopOrOurs(string name) => name.Length switch
    {
        2 => name.Equals("TE", StringComparison.OrdinalIgnoreCase),
        4 => name.Equals("Host", StringComparison.OrdinalIgnoreCase),
        6 => name.Equals("Expect", StringComparison.OrdinalIgnoreCase), // Kestrel answers 100-continue itself
        7 => name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase),
        10 => name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase),
        15 => name.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase),
        16 => name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Forwarded-Host", StringComparison.OrdinalIgnoreCase),
        17 => name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Forwarded-Proto", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static bool ConnectionNamesHeaders(StringValues connection)
    {
        foreach (var v in connection)
            foreach (var token in (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                if (!token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) && !token.Equals("close", StringComparison.OrdinalIgnoreCase))
                    return true;
        return false;
    }

    private static bool Named(StringValues connection, string name)
    {
        foreach (var v in connection)
            foreach (var token in (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                if (token.Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private ref struct SpanWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        public int Position;
        public bool Overflow;

        public void Text(string? s)
        {
            if (Overflow || string.IsNullOrEmpty(s)) return;
            // ASCII in the common case; Kestrel decoded any other bytes as UTF-8, so that round-trips them.
            if (!Encoding.UTF8.TryGetBytes(s, _buffer[Position..], out int n)) { Overflow = true; return; }
            Position += n;
        }

        public void Bytes(ReadOnlySpan<byte> b)
        {
            if (Overflow) return;
            if (!b.TryCopyTo(_buffer[Position..])) { Overflow = true; return; }
            Position += b.Length;
        }

        public void Byte(byte b)
        {
            if (Overflow) return;
            if (Position >= _buffer.Length) { Overflow = true; return; }
            _buffer[Position++] = b;
        }

        public void Address(System.Net.IPAddress ip)
        {
            if (Overflow) return;
            if (!ip.TryFormat(_buffer[Position..], out int n)) { Overflow = true; return; }
            Position += n;
        }
    }
}
