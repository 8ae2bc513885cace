using System.Text;
using Podwire.Ingress.Forwarding;

namespace Podwire.Ingress.Fuzz;

/// <summary>
/// <see cref="ChunkedDecoder"/> on generated chunked bodies — valid ones (any sizes, hex case,
/// leading zeros, extensions, trailers, bytes after the body) and mutated ones — delivered in
/// random pieces as a socket would. It must never throw or stall, every run it returns must lie
/// inside its input, and its verdict, data and end offset must equal a whole-buffer reference
/// decoder's, written separately from the grammar (RFC 9112 §7.1 with the decoder's documented
/// bounds: at most 15 hex digits, 8 KiB of extension per line and of trailer section).
/// </summary>
internal static class ChunkFuzz
{
    private const int MaxLine = 8 * 1024;

    private enum Verdict { Done, Invalid, NeedMore }

    public static Outcome Run(Random rng, long cases)
    {
        long failures = 0, done = 0, invalid = 0, needMore = 0;
        for (long n = 0; n < cases; n++)
        {
            var input = Generate(rng);
            var (want, wantData, wantEnd) = Reference(input);
            string? why;
            try
            {
                var (got, gotData, gotEnd, problem) = Incremental(input, rng);
                why = problem
                    ?? (got != want ? $"verdict {got}, reference {want}"
                    : got == Verdict.Done && (gotEnd != wantEnd || !gotData.AsSpan().SequenceEqual(wantData)) ? $"Done at {gotEnd} with {gotData.Length} bytes, reference at {wantEnd} with {wantData.Length}"
                    : null);
                _ = got switch { Verdict.Done => done++, Verdict.Invalid => invalid++, _ => needMore++ };
            }
            catch (Exception e) { why = "threw " + e.GetType().Name + ": " + e.Message; }
            if (why is null) continue;
            if (++failures <= 5) Console.WriteLine($"FAIL chunked: {why}\n  {Convert.ToHexString(input)}");
        }
        return new Outcome(cases, failures, $"{done:N0} done, {invalid:N0} invalid, {needMore:N0} need more");
    }

    private static byte[] Generate(Random rng)
    {
        var ms = new MemoryStream();
        int chunks = rng.Next(0, 6);
        for (int c = 0; c < chunks; c++)
        {
            int size = rng.Next(1, rng.Next(2) == 0 ? 20 : 3000);
            string hex = size.ToString(rng.Next(2) == 0 ? "x" : "X", System.Globalization.CultureInfo.InvariantCulture);
            ms.Write(Encoding.ASCII.GetBytes(new string('0', rng.Next(0, 3)) + hex));
            WriteExtension(ms, rng);
            ms.Write("\r\n"u8);
            for (int i = 0; i < size; i++) ms.WriteByte((byte)rng.Next(256));
            ms.Write("\r\n"u8);
        }
        ms.Write(rng.Next(4) == 0 ? "000"u8 : "0"u8);
        WriteExtension(ms, rng);
        ms.Write("\r\n"u8);
        int trailers = rng.Next(4) == 0 ? rng.Next(1, 4) : 0;
        for (int t = 0; t < trailers; t++) ms.Write(Encoding.ASCII.GetBytes($"X-T{t}: v{t}\r\n"));
        ms.Write("\r\n"u8);
        if (rng.Next(3) == 0) ms.Write("HTTP/1.1 200 OK\r\n"u8); // what follows the body is not the body's
        var bytes = ms.ToArray();
        return rng.Next(2) == 0 ? bytes : Mutate.Apply(rng, bytes, rng.Next(1, 4));
    }

    private static void WriteExtension(MemoryStream ms, Random rng)
    {
        switch (rng.Next(6))
        {
            case 0: ms.Write(";a=b"u8); break;
            case 1: ms.Write(" ;x"u8); break;
            case 2: ms.Write(";q=\"v;w\""u8); break;
            case 3 when rng.Next(50) == 0: ms.WriteByte((byte)';'); ms.Write(new byte[MaxLine - 1 + rng.Next(3)].Select(_ => (byte)'e').ToArray()); break;
        }
    }

    /// <summary>The decoder fed the input in random pieces, as the forwarder feeds it what each receive delivered.</summary>
    private static (Verdict, byte[], int, string?) Incremental(byte[] input, Random rng)
    {
        var decoder = new ChunkedDecoder();
        var data = new MemoryStream();
        int start = 0;
        while (start < input.Length)
        {
            int len = Math.Min(input.Length - start, rng.Next(3) == 0 ? rng.Next(1, 8) : rng.Next(1, 4096));
            var piece = input.AsSpan(start, len);
            int pos = 0;
            while (pos < piece.Length)
            {
                var r = decoder.Read(piece[pos..], out int consumed, out int off, out int count);
                if (consumed < 0 || consumed > piece.Length - pos) return (Verdict.Invalid, [], 0, $"consumed {consumed} of {piece.Length - pos}");
                if (r == ChunkedDecoder.Result.Data)
                {
                    if (count <= 0 || off < 0 || off + count > consumed) return (Verdict.Invalid, [], 0, $"data run {off}+{count} outside {consumed}");
                    data.Write(piece.Slice(pos + off, count));
                }
                if (r == ChunkedDecoder.Result.NeedMore && consumed != piece.Length - pos) return (Verdict.Invalid, [], 0, "NeedMore without consuming the input");
                pos += consumed;
                if (r == ChunkedDecoder.Result.Done) return (Verdict.Done, data.ToArray(), start + pos, null);
                if (r == ChunkedDecoder.Result.Invalid) return (Verdict.Invalid, [], 0, null);
            }
            start += len;
        }
        return (Verdict.NeedMore, [], 0, null);
    }

    /// <summary>Whole-buffer reference: the verdict, the data and where the body ends.</summary>
    private static (Verdict, byte[], int) Reference(byte[] b)
    {
        var data = new MemoryStream();
        int p = 0;
        while (true)
        {
            int digits = 0;
            long size = 0;
            while (p < b.Length && Uri.IsHexDigit((char)b[p]))
            {
                if (++digits > 15) return (Verdict.Invalid, [], 0);
                size = (size << 4) | (long)Convert.ToInt32(((char)b[p]).ToString(), 16);
                p++;
            }
            if (p >= b.Length) return (Verdict.NeedMore, [], 0);
            if (digits == 0) return (Verdict.Invalid, [], 0);
            if (b[p] is (byte)';' or (byte)' ' or (byte)'\t')
            {
                p++;
                int ext = 0;
                while (p < b.Length && b[p] != '\r')
                {
                    if (b[p] == '\n' || ++ext > MaxLine) return (Verdict.Invalid, [], 0);
                    p++;
                }
            }
            if (p >= b.Length) return (Verdict.NeedMore, [], 0);
            if (b[p] != '\r') return (Verdict.Invalid, [], 0);
            if (++p >= b.Length) return (Verdict.NeedMore, [], 0);
            if (b[p++] != '\n') return (Verdict.Invalid, [], 0);
            if (size == 0) break;
            if (b.Length - p < size) return (Verdict.NeedMore, [], 0);
            data.Write(b, p, (int)size);
            p += (int)size;
            if (p >= b.Length) return (Verdict.NeedMore, [], 0);
            if (b[p++] != '\r') return (Verdict.Invalid, [], 0);
            if (p >= b.Length) return (Verdict.NeedMore, [], 0);
            if (b[p++] != '\n') return (Verdict.Invalid, [], 0);
        }
        // Trailer section: lines up to an empty one; its bytes (CRs included, LFs not) bounded as a whole.
        int trailerBytes = 0;
        while (true)
        {
            if (p >= b.Length) return (Verdict.NeedMore, [], 0);
            if (b[p] == '\r')
            {
                if (++p >= b.Length) return (Verdict.NeedMore, [], 0);
                return b[p] == '\n' ? (Verdict.Done, data.ToArray(), p + 1) : (Verdict.Invalid, [], 0);
            }
            while (true)
            {
                if (p >= b.Length) return (Verdict.NeedMore, [], 0);
                if (++trailerBytes > MaxLine) return (Verdict.Invalid, [], 0);
                byte c = b[p++];
                if (c == '\n') return (Verdict.Invalid, [], 0);
                if (c == '\r') break;
            }
            if (p >= b.Length) return (Verdict.NeedMore, [], 0);
            if (b[p++] != '\n') return (Verdict.Invalid, [], 0);
        }
    }
}
