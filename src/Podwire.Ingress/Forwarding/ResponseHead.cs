using System.Text;

namespace Podwire.Ingress.Forwarding;

/// <summary>Where one header line's name and value sit in the receive buffer (value already trimmed).</summary>
internal readonly record struct HeaderSlice(int NameStart, int NameLength, int ValueStart, int ValueLength);

/// <summary>
/// A backend's HTTP/1.x status line and header block, parsed in place: what the forwarder needs
/// to frame the body (RFC 9112 §6.3) and where each header sits. Anything malformed — bare CR or
/// LF, obs-fold, a space before the colon, control characters in a value (header injection),
/// conflicting Content-Length, a transfer coding other than chunked — is <see cref="ParseStatus.Invalid"/>
/// and answered 502, never passed on.
/// </summary>
internal struct ResponseHead
{
    public const int MaxHeaders = 128;

    public int Version;          // 10 or 11
    public int Status;
    public int HeadLength;       // bytes up to and including the blank line
    public int HeaderCount;
    public long ContentLength;   // -1 when absent
    public bool Chunked;
    public bool ConnectionClose;
    /// <summary>Connection names headers other than close/keep-alive: those are hop-by-hop too.</summary>
    public bool ConnectionTokens;
    public int ConnectionIndex;  // header index of the (last) Connection line, -1 when absent

    public enum ParseStatus { Complete, Incomplete, Invalid }

    /// <summary>Parses <paramref name="input"/> (the received bytes, starting at the status line) into <paramref name="head"/> and <paramref name="headers"/>.</summary>
    public static ParseStatus TryParse(ReadOnlySpan<byte> input, ref ResponseHead head, Span<HeaderSlice> headers)
    {
        int end = input.IndexOf("\r\n\r\n"u8);
        if (end < 0) return input.IndexOf("\n\n"u8) >= 0 ? ParseStatus.Invalid : ParseStatus.Incomplete;
        head = default;
        head.ContentLength = -1;
        head.ConnectionIndex = -1;
        head.HeadLength = end + 4;

        // Status line: "HTTP/1.x SSS[ reason]".
        var block = input[..(end + 2)];
        int eol = block.IndexOf("\r\n"u8);
        var status = block[..eol];
        if (status.Length < 12 || !status.StartsWith("HTTP/1."u8) || status[8] != (byte)' ') return ParseStatus.Invalid;
        head.Version = status[7] switch { (byte)'1' => 11, (byte)'0' => 10, _ => 0 };
        if (head.Version == 0) return ParseStatus.Invalid;
        int code = 0;
        for (int i = 9; i < 12; i++)
        {
            uint d = (uint)(status[i] - '0');
            if (d > 9) return ParseStatus.Invalid;
            code = code * 10 + (int)d;
        }
        if (code < 100 || (status.Length > 12 && status[12] != (byte)' ')) return ParseStatus.Invalid;
        head.Status = code;
        if (ContainsControl(status[12..])) return ParseStatus.Invalid;

        int pos = eol + 2;
        while (pos < block.Length)
        {
            var rest = block[pos..];
            int lineEnd = rest.IndexOf("\r\n"u8);
            var line = rest[..lineEnd];
            if (head.HeaderCount == headers.Length || head.HeaderCount == MaxHeaders) return ParseStatus.Invalid;
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon])) return ParseStatus.Invalid; // also rejects obs-fold and "Name :"
            int vs = colon + 1, ve = line.Length;
            while (vs < ve && line[vs] is (byte)' ' or (byte)'\t') vs++;
            while (ve > vs && line[ve - 1] is (byte)' ' or (byte)'\t') ve--;
            var value = line[vs..ve];
            if (ContainsControl(value)) return ParseStatus.Invalid;
            var name = line[..colon];
            if (!Frame(ref head, name, value, head.HeaderCount)) return ParseStatus.Invalid;
            headers[head.HeaderCount++] = new HeaderSlice(pos, colon, pos + vs, ve - vs);
            pos += lineEnd + 2;
        }
        // Transfer-Encoding overrides Content-Length, and such a message must not be reused (RFC 9112 §6.3).
        if (head.Chunked && head.ContentLength >= 0) { head.ContentLength = -1; head.ConnectionClose = true; }
        if (head.Version == 10) head.ConnectionClose = true; // no keep-alive negotiation for HTTP/1.0 backends
        return ParseStatus.Complete;
    }

    /// <summary>Whether the response carries no body whatever its headers say.</summary>
    public readonly bool Bodiless(bool headRequest) => headRequest || Status is 204 or 304 || Status < 200;

    /// <summary>Whether the body runs until the backend closes (no length, not chunked).</summary>
    public readonly bool UntilClose(bool headRequest) => !Bodiless(headRequest) && !Chunked && ContentLength < 0;

    private static bool Frame(ref ResponseHead head, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int index)
    {
        switch (name.Length)
        {
            case 14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8):
                if (!TryParseLength(value, out long n)) return false;
                if (head.ContentLength >= 0 && head.ContentLength != n) return false;
                head.ContentLength = n;
                return true;
            case 17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8):
                if (!Ascii.EqualsIgnoreCase(value, "chunked"u8) || head.Chunked) return false;
                head.Chunked = true;
                return true;
            case 10 when Ascii.EqualsIgnoreCase(name, "Connection"u8):
                head.ConnectionIndex = index;
                foreach (var range in value.Split((byte)','))
                {
                    var token = value[range].Trim(" \t"u8);
                    if (Ascii.EqualsIgnoreCase(token, "close"u8)) head.ConnectionClose = true;
                    else if (!token.IsEmpty && !Ascii.EqualsIgnoreCase(token, "keep-alive"u8)) head.ConnectionTokens = true;
                }
                return true;
            default:
                return true;
        }
    }

    private static bool TryParseLength(ReadOnlySpan<byte> value, out long n)
    {
        n = 0;
        if (value.IsEmpty || value.Length > 18) return false;
        foreach (byte b in value)
        {
            uint d = (uint)(b - '0');
            if (d > 9) return false;
            n = n * 10 + d;
        }
        return true;
    }

    /// <summary>RFC 9110 tchar.</summary>
    private static bool IsToken(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9') continue;
            if ("!#$%&'*+-.^_`|~"u8.IndexOf(b) < 0) return false;
        }
        return true;
    }

    /// <summary>
    /// Bytes a header value may not carry onward: controls other than HTAB (CR/LF injection, NUL)
    /// and non-ASCII, which Kestrel refuses to write (it would fail after the status is sent).
    /// </summary>
    private static bool ContainsControl(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
            if ((b < 0x20 && b != (byte)'\t') || b >= 0x7F) return true;
        return false;
    }
}
