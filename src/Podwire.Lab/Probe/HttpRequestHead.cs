using System.Text;

namespace Podwire.Lab.Probe;

public enum HttpParseStatus { Incomplete, Ok, Bad, TooLarge, Unsupported }

/// <summary>
/// The part of an HTTP/1.x request the probe needs: request line and the few headers that decide
/// framing and persistence (RFC 9112). Other headers are checked for syntax and dropped.
/// </summary>
public sealed record HttpRequestHead(
    string Method,
    string Target,
    int MinorVersion,
    string? Host,
    long ContentLength,
    bool ConnectionClose,
    bool ConnectionKeepAlive)
{
    /// <summary>Larger heads are refused with 431, as a bound on what one connection may buffer.</summary>
    public const int MaxHeadBytes = 8192;

    /// <summary>The path of the target without the query string (and without scheme and authority in absolute form).</summary>
    public string Path
    {
        get
        {
            var t = Target;
            if (t.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                var slash = t.IndexOf('/', 7);
                t = slash < 0 ? "/" : t[slash..];
            }
            var q = t.IndexOf('?');
            return q < 0 ? t : t[..q];
        }
    }

    /// <summary>HTTP/1.1 persists unless told to close; HTTP/1.0 only when asked to keep alive.</summary>
    public bool KeepAlive => MinorVersion >= 1 ? !ConnectionClose : ConnectionKeepAlive && !ConnectionClose;

    /// <summary>
    /// Parses one request head from the start of <paramref name="buffer"/>. On Ok,
    /// <paramref name="consumed"/> is the length of the head including its blank line; the body
    /// (ContentLength bytes) follows. Bare LF line endings are accepted, as RFC 9112 §2.2 allows.
    /// </summary>
    public static HttpParseStatus TryParse(ReadOnlySpan<byte> buffer, out HttpRequestHead? head, out int consumed)
    {
        head = null;
        consumed = 0;
        // RFC 9112 §2.2: ignore at least one empty line before the request line.
        var start = 0;
        while (start < buffer.Length && (buffer[start] == '\r' || buffer[start] == '\n') && start < 4) start++;
        var end = FindHeadEnd(buffer[start..], out var terminatorLength);
        if (end < 0)
            return buffer.Length >= MaxHeadBytes ? HttpParseStatus.TooLarge : HttpParseStatus.Incomplete;
        if (start + end + terminatorLength > MaxHeadBytes) return HttpParseStatus.TooLarge;

        var text = buffer.Slice(start, end);
        if (text.IndexOf((byte)0) >= 0) return HttpParseStatus.Bad;

        var lineEnd = text.IndexOf((byte)'\n');
        var requestLine = TrimCr(lineEnd < 0 ? text : text[..lineEnd]);
        var status = ParseRequestLine(requestLine, out var method, out var target, out var minor);
        if (status != HttpParseStatus.Ok) return status;

        string? host = null;
        var hostCount = 0;
        long contentLength = 0;
        var sawContentLength = false;
        var sawTransferEncoding = false;
        bool close = false, keepAlive = false;
        var rest = lineEnd < 0 ? ReadOnlySpan<byte>.Empty : text[(lineEnd + 1)..];
        while (!rest.IsEmpty)
        {
            var nl = rest.IndexOf((byte)'\n');
            var line = TrimCr(nl < 0 ? rest : rest[..nl]);
            rest = nl < 0 ? ReadOnlySpan<byte>.Empty : rest[(nl + 1)..];
            var colon = line.IndexOf((byte)':');
            // No obsolete line folding, and no whitespace between name and colon (RFC 9112 §5.1).
            if (colon <= 0 || !IsToken(line[..colon])) return HttpParseStatus.Bad;
            var name = Encoding.ASCII.GetString(line[..colon]);
            var value = Encoding.Latin1.GetString(line[(colon + 1)..]).Trim(' ', '\t');
            if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) return HttpParseStatus.Bad;
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                host = value;
                hostCount++;
            }
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out var n)) return HttpParseStatus.Bad;
                if (sawContentLength && n != contentLength) return HttpParseStatus.Bad;
                contentLength = n;
                sawContentLength = true;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                sawTransferEncoding = true;
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                foreach (var option in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (option.Equals("close", StringComparison.OrdinalIgnoreCase)) close = true;
                    else if (option.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)) keepAlive = true;
                }
        }
        // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host is answered with 400.
        if (minor >= 1 && hostCount != 1 || hostCount > 1) return HttpParseStatus.Bad;
        // Both framings at once is a smuggling vector (RFC 9112 §6.3); chunked bodies are not served.
        if (sawTransferEncoding) return sawContentLength ? HttpParseStatus.Bad : HttpParseStatus.Unsupported;

        head = new HttpRequestHead(method, target, minor, host, contentLength, close, keepAlive);
        consumed = start + end + terminatorLength;
        return HttpParseStatus.Ok;
    }

    private static HttpParseStatus ParseRequestLine(ReadOnlySpan<byte> line, out string method, out string target, out int minor)
    {
        method = target = "";
        minor = 0;
        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0 || !IsToken(line[..sp1])) return HttpParseStatus.Bad;
        var afterMethod = line[(sp1 + 1)..];
        var sp2 = afterMethod.IndexOf((byte)' ');
        if (sp2 <= 0) return HttpParseStatus.Bad;
        var targetBytes = afterMethod[..sp2];
        var version = afterMethod[(sp2 + 1)..];
        foreach (var b in targetBytes)
            if (b <= 0x20 || b >= 0x7f) return HttpParseStatus.Bad;
        if (version.Length != 8 || !version[..5].SequenceEqual("HTTP/"u8) || version[6] != '.' ||
            !char.IsAsciiDigit((char)version[5]) || !char.IsAsciiDigit((char)version[7]))
            return HttpParseStatus.Bad;
        if (version[5] != '1') return HttpParseStatus.Unsupported;
        method = Encoding.ASCII.GetString(line[..sp1]);
        target = Encoding.ASCII.GetString(targetBytes);
        minor = version[7] - '0';
        // Origin form, or absolute form which a server must accept (RFC 9112 §3.2.2); "*" only for OPTIONS.
        if (target[0] != '/' && !target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) &&
            !(target == "*" && method == "OPTIONS"))
            return HttpParseStatus.Bad;
        return HttpParseStatus.Ok;
    }

    private static int FindHeadEnd(ReadOnlySpan<byte> buffer, out int terminatorLength)
    {
        terminatorLength = 0;
        for (var i = 0; i < buffer.Length; i++)
        {
            if (buffer[i] != '\n') continue;
            if (i + 1 < buffer.Length && buffer[i + 1] == '\n')
            {
                terminatorLength = 2;
                return i;
            }
            if (i + 2 < buffer.Length && buffer[i + 1] == '\r' && buffer[i + 2] == '\n')
            {
                terminatorLength = 3;
                return i;
            }
        }
        return -1;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == '\r' ? line[..^1] : line;

    private static bool IsToken(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
            if (b <= 0x20 || b >= 0x7f || "()<>@,;:\\\"/[]?={}"u8.IndexOf(b) >= 0) return false;
        return true;
    }
}
