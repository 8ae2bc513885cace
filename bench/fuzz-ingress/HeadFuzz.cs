using System.Text;
using Podwire.Ingress.Forwarding;

namespace Podwire.Ingress.Fuzz;

/// <summary>
/// <see cref="ResponseHead.TryParse"/> on generated heads: valid ones, valid ones mutated, header
/// lines from a pool of framing tricks, and random bytes. Whatever the input, it must not throw,
/// and a Complete parse must be self-consistent: the head ends at the first CRLFCRLF, every line
/// ends in CRLF, names are tokens, values carry no controls and are trimmed, the framing fields
/// agree with the Content-Length/Transfer-Encoding lines (RFC 9112 §6.3), and no shorter prefix
/// is already Complete.
/// </summary>
internal static class HeadFuzz
{
    private static readonly string[] StatusLines =
        ["HTTP/1.1 200 OK", "HTTP/1.1 204 No Content", "HTTP/1.0 200 OK", "HTTP/1.1 100 Continue", "HTTP/1.1 304 Not Modified", "HTTP/1.1 404", "HTTP/1.1 599 X"];
    private static readonly string[] Lines =
    [
        "Content-Length: 5", "Content-Length: 0", "content-length:  12 ", "Content-Length: 5", "Content-Length: 6", "Content-Length: 999999999999999999",
        "Transfer-Encoding: chunked", "transfer-encoding: Chunked", "Transfer-Encoding: gzip, chunked", "Connection: close", "Connection: keep-alive, X-Hop",
        "X-Hop: 1", "Content-Type: text/plain", "Set-Cookie: a=1", "Set-Cookie: b=2", "X-Empty:", "X-Tab:\tv\t", "Server: fuzz", "Keep-Alive: timeout=5",
    ];

    public static Outcome Run(Random rng, long cases)
    {
        long failures = 0, complete = 0, incomplete = 0, invalid = 0;
        var slices = new HeaderSlice[ResponseHead.MaxHeaders];
        for (long n = 0; n < cases; n++)
        {
            var input = Generate(rng);
            string? why;
            ResponseHead.ParseStatus status = default;
            try
            {
                var head = default(ResponseHead);
                status = ResponseHead.TryParse(input, ref head, slices);
                why = status switch
                {
                    ResponseHead.ParseStatus.Complete => CheckComplete(input, head, slices, rng),
                    ResponseHead.ParseStatus.Incomplete => input.AsSpan().IndexOf("\r\n\r\n"u8) >= 0 ? "Incomplete although the head is whole" : null,
                    _ => null,
                };
            }
            catch (Exception e) { why = "threw " + e.GetType().Name + ": " + e.Message; }
            _ = status switch { ResponseHead.ParseStatus.Complete => complete++, ResponseHead.ParseStatus.Incomplete => incomplete++, _ => invalid++ };
            if (why is null) continue;
            if (++failures <= 5) Console.WriteLine($"FAIL head: {why}\n  {Convert.ToHexString(input)}");
        }
        return new Outcome(cases, failures, $"{complete:N0} complete, {incomplete:N0} incomplete, {invalid:N0} invalid");
    }

    private static byte[] Generate(Random rng)
    {
        if (rng.Next(10) == 0)
        {
            var random = new byte[rng.Next(0, 200)];
            for (int i = 0; i < random.Length; i++) random[i] = Mutate.Pick(rng);
            return random;
        }
        var sb = new StringBuilder(StatusLines[rng.Next(StatusLines.Length)]).Append("\r\n");
        int lines = rng.Next(0, 8);
        for (int i = 0; i < lines; i++) sb.Append(Lines[rng.Next(Lines.Length)]).Append("\r\n");
        sb.Append("\r\n");
        if (rng.Next(2) == 0) sb.Append("body");
        var bytes = Encoding.Latin1.GetBytes(sb.ToString());
        return rng.Next(3) == 0 ? bytes : Mutate.Apply(rng, bytes, rng.Next(1, 5));
    }

    private static string? CheckComplete(byte[] input, in ResponseHead head, HeaderSlice[] slices, Random rng)
    {
        int end = input.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0 || head.HeadLength != end + 4) return $"HeadLength {head.HeadLength}, first CRLFCRLF at {end}";
        var block = input.AsSpan(0, head.HeadLength);
        for (int i = 0; i < block.Length; i++)
        {
            if (block[i] == '\n' && (i == 0 || block[i - 1] != '\r')) return $"bare LF at {i} accepted";
            if (block[i] == '\r' && (i + 1 >= block.Length || block[i + 1] != '\n')) return $"bare CR at {i} accepted";
        }
        if (head.Version is not (10 or 11) || head.Status is < 100 or > 999) return $"version {head.Version} status {head.Status}";
        if (head.HeaderCount > ResponseHead.MaxHeaders) return "too many headers";
        long length = -1;
        bool te = false;
        for (int i = 0; i < head.HeaderCount; i++)
        {
            var s = slices[i];
            if (s.NameStart < 0 || s.NameLength <= 0 || s.ValueStart < s.NameStart + s.NameLength || s.ValueStart + s.ValueLength > head.HeadLength)
                return $"slice {i} out of bounds";
            var name = input.AsSpan(s.NameStart, s.NameLength);
            var value = input.AsSpan(s.ValueStart, s.ValueLength);
            foreach (byte b in name)
                if (!(char.IsAsciiLetterOrDigit((char)b) || "!#$%&'*+-.^_`|~".Contains((char)b))) return $"name byte 0x{b:X2} in header {i}";
            foreach (byte b in value)
                if ((b < 0x20 && b != '\t') || b >= 0x7f) return $"value byte 0x{b:X2} in header {i}";
            if (!value.IsEmpty && (value[0] is (byte)' ' or (byte)'\t' || value[^1] is (byte)' ' or (byte)'\t')) return $"value {i} not trimmed";
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!long.TryParse(value, out long v) || v < 0 || (length >= 0 && length != v)) return "a bad or conflicting Content-Length accepted";
                length = v;
            }
            if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                if (te || !Ascii.EqualsIgnoreCase(value, "chunked"u8)) return "a Transfer-Encoding other than one 'chunked' accepted";
                te = true;
            }
        }
        if (head.Chunked != te) return "Chunked disagrees with the lines";
        if (te && (head.ContentLength != -1 || (length >= 0 && !head.ConnectionClose))) return "chunked with a length must drop it and close";
        if (!te && head.ContentLength != length) return $"ContentLength {head.ContentLength}, lines say {length}";
        if (head.Version == 10 && !head.ConnectionClose) return "HTTP/1.0 kept alive";
        // No shorter prefix is already a whole head.
        var prefixHead = default(ResponseHead);
        var scratch = new HeaderSlice[ResponseHead.MaxHeaders];
        int cut = rng.Next(0, head.HeadLength);
        if (ResponseHead.TryParse(input.AsSpan(0, cut), ref prefixHead, scratch) == ResponseHead.ParseStatus.Complete) return $"prefix of {cut} bytes already Complete";
        return null;
    }
}
