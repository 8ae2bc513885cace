using System.Text;

namespace Podwire.Ingress.Forwarding;

/// <summary>
/// Writes the HTTP/1.1 request head sent to a backend straight from Kestrel's parsed request:
/// the request line with the normalised target (<see cref="Routing.RequestTarget"/>, the one the
/// route table matched), the client's headers that <see cref="HopByHop"/> lets through, the
/// client's Host (backends route on it, as behind ingress-nginx) and X-Forwarded-For/-Proto/
/// -Host/-Port and X-Real-IP from the connection. Kestrel has already refused CR, LF and NUL in
/// every header copied here and the target is visible ASCII, so nothing can be injected.
/// </summary>
internal static class RequestHeadWriter
{
    /// <summary>The head's length in <paramref name="dest"/>, or -1 when it does not fit.</summary>
    public static int Write(Span<byte> dest, HttpContext context, string target, string authority)
    {
        var w = new SpanWriter(dest);
        var request = context.Request;
        w.Text(request.Method);
        w.Byte((byte)' ');
        w.Text(target);
        w.Bytes(" HTTP/1.1\r\nHost: "u8);
        string host = request.Host.Value ?? "";
        w.Text(host.Length > 0 ? host : authority);
        w.Bytes("\r\n"u8);

        var headers = request.Headers;
        var connection = headers.Connection;
        foreach (var (name, values) in headers)
        {
            if (!HopByHop.Forwarded(name, connection)) continue;
            w.Text(name);
            w.Bytes(": "u8);
            if (values.Count == 1) w.Text(values[0]);
            else
            {
                // Kestrel joins repeated headers into one StringValues; one line keeps them one field,
                // joined as HttpClient (YARP) joins them: User-Agent is product tokens, not a list.
                string separator = name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "; "
                    : name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase) ? " " : ", ";
                for (int i = 0; i < values.Count; i++)
                {
                    if (i > 0) w.Text(separator);
                    w.Text(values[i]);
                }
            }
            w.Bytes("\r\n"u8);
        }

        var remote = context.Connection.RemoteIpAddress;
        if (remote is not null)
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
        w.Bytes("X-Forwarded-Port: "u8);
        w.Int(context.Connection.LocalPort);
        w.Bytes("\r\n"u8);
        if (remote is not null)
        {
            w.Bytes("X-Real-IP: "u8);
            w.Address(remote);
            w.Bytes("\r\n"u8);
        }
        w.Bytes("\r\n"u8);
        return w.Overflow ? -1 : w.Position;
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

        public void Int(int value)
        {
            if (Overflow) return;
            if (!value.TryFormat(_buffer[Position..], out int n, default, System.Globalization.CultureInfo.InvariantCulture)) { Overflow = true; return; }
            Position += n;
        }

        public void Address(System.Net.IPAddress ip)
        {
            if (Overflow) return;
            if (!ip.TryFormat(_buffer[Position..], out int n)) { Overflow = true; return; }
            Position += n;
        }
    }
}
