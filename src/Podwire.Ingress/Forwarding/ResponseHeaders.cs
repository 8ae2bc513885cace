using System.Text;

namespace Podwire.Ingress.Forwarding;

/// <summary>
/// Copies a parsed backend response head onto Kestrel's response: end-to-end headers as they
/// came (names and values as strings the connection reuses from its previous response), minus
/// hop-by-hop ones; the framing becomes Kestrel's (a Content-Length is kept, anything else is
/// re-framed for the client).
/// </summary>
internal static class ResponseHeaders
{
    public static void Copy(HttpResponse response, UpstreamConnection conn, in ResponseHead head, HeaderSlice[] slices)
    {
        var buffer = conn.Buffer;
        var headers = response.Headers;
        var set = conn.SetNames;
        int setCount = 0;
        for (int i = 0; i < head.HeaderCount; i++)
        {
            var s = slices[i];
            var name = buffer.AsSpan(s.NameStart, s.NameLength);
            if (IsHopByHop(name)) continue;
            if (name.Length == 14 && Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                // 204 and 1xx cannot carry one; Kestrel keeps it for HEAD and 304 without a body.
                if (head.ContentLength >= 0 && head.Status != 204) response.ContentLength = head.ContentLength;
                continue;
            }
            if (head.ConnectionTokens && NamedByConnection(buffer, head, slices, name)) continue;
            string n = conn.Name(i, name);
            string v = conn.Value(i, buffer.AsSpan(s.ValueStart, s.ValueLength));
            bool repeated = false;
            for (int j = 0; j < setCount; j++)
            {
                var prior = set[j]!;
                if (ReferenceEquals(prior, n) || (prior.Length == n.Length && string.Equals(prior, n, StringComparison.OrdinalIgnoreCase))) { repeated = true; break; }
            }
            if (repeated) headers.Append(n, v); // Set-Cookie and other repeatable fields stay separate lines
            else
            {
                headers[n] = v;
                set[setCount++] = n;
            }
        }
        set.AsSpan(0, setCount).Clear();
    }

    internal static bool IsHopByHop(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => Ascii.EqualsIgnoreCase(name, "TE"u8),
        7 => Ascii.EqualsIgnoreCase(name, "Upgrade"u8) || Ascii.EqualsIgnoreCase(name, "Trailer"u8),
        10 => Ascii.EqualsIgnoreCase(name, "Connection"u8) || Ascii.EqualsIgnoreCase(name, "Keep-Alive"u8),
        16 => Ascii.EqualsIgnoreCase(name, "Proxy-Connection"u8),
        17 => Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8),
        _ => false,
    };

    private static bool NamedByConnection(byte[] buffer, in ResponseHead head, HeaderSlice[] slices, ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < head.HeaderCount; i++)
        {
            var s = slices[i];
            if (s.NameLength != 10 || !Ascii.EqualsIgnoreCase(buffer.AsSpan(s.NameStart, 10), "Connection"u8)) continue;
            var value = buffer.AsSpan(s.ValueStart, s.ValueLength);
            foreach (var range in value.Split((byte)','))
                if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), name)) return true;
        }
        return false;
    }
}
