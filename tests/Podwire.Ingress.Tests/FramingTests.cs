using System.Text;
using CsCheck;
using Podwire.Ingress.Forwarding;

namespace Podwire.Ingress.Tests;

/// <summary>The fast path's response-head parser and chunked decoder, on exact bytes.</summary>
public sealed class FramingTests
{
    private static (ResponseHead.ParseStatus Status, ResponseHead Head) Parse(string text)
    {
        var head = default(ResponseHead);
        var slices = new HeaderSlice[ResponseHead.MaxHeaders];
        var status = ResponseHead.TryParse(Encoding.Latin1.GetBytes(text), ref head, slices);
        return (status, head);
    }

    [Fact]
    public void A_complete_head_gives_status_length_and_header_positions()
    {
        var bytes = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length:  5 \r\n\r\nhello"u8.ToArray();
        var head = default(ResponseHead);
        var slices = new HeaderSlice[ResponseHead.MaxHeaders];
        Assert.Equal(ResponseHead.ParseStatus.Complete, ResponseHead.TryParse(bytes, ref head, slices));
        Assert.Equal((11, 200, 5L, 2, false, false), (head.Version, head.Status, head.ContentLength, head.HeaderCount, head.Chunked, head.ConnectionClose));
        Assert.Equal(bytes.Length - 5, head.HeadLength);
        Assert.Equal("Content-Length", Encoding.ASCII.GetString(bytes, slices[1].NameStart, slices[1].NameLength));
        Assert.Equal("5", Encoding.ASCII.GetString(bytes, slices[1].ValueStart, slices[1].ValueLength));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n")]
    [InlineData("HTTP/1.1 2")]
    public void A_partial_head_is_incomplete(string text) => Assert.Equal(ResponseHead.ParseStatus.Incomplete, Parse(text).Status);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\rInjected: 1\r\n\r\n")]      // bare CR: header injection
    [InlineData("HTTP/1.1 200 OK\r\nX: a\nInjected: 1\r\n\r\n")]      // bare LF
    [InlineData("HTTP/1.1 200 OK\r\nX : a\r\n\r\n")]                  // space before the colon
    [InlineData("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n")]        // obs-fold
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20x OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n")]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX: caf\u00e9\r\n\r\n")]
    public void Malformed_or_dangerous_heads_are_invalid(string text) => Assert.Equal(ResponseHead.ParseStatus.Invalid, Parse(text).Status);

    [Fact]
    public void Framing_follows_RFC_9112_section_6_3()
    {
        var chunkedAndLength = Parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: Chunked\r\n\r\n").Head;
        Assert.True(chunkedAndLength.Chunked);
        Assert.Equal(-1, chunkedAndLength.ContentLength);
        Assert.True(chunkedAndLength.ConnectionClose); // never reuse a connection that sent both

        var http10 = Parse("HTTP/1.0 200 OK\r\n\r\n").Head;
        Assert.True(http10.ConnectionClose);
        Assert.True(http10.UntilClose(headRequest: false));

        var close = Parse("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n").Head;
        Assert.True(close.ConnectionClose);
        Assert.False(close.ConnectionTokens);
        Assert.True(Parse("HTTP/1.1 200 OK\r\nConnection: X-Hop\r\n\r\n").Head.ConnectionTokens);

        foreach (var (text, head, bodiless) in new[]
        {
            ("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", false, true),
            ("HTTP/1.1 204 No Content\r\n\r\n", false, true),
            ("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", true, true),
            ("HTTP/1.1 103 Early Hints\r\n\r\n", false, true),
            ("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", false, false),
        })
            Assert.Equal(bodiless, Parse(text).Head.Bodiless(head));
        Assert.Equal(1, Parse("HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n").Head.HeaderCount); // reason phrase is optional
    }

    private static (ChunkedDecoder.Result Result, string Data, int Consumed) DecodeAll(byte[] input)
    {
        var decoder = new ChunkedDecoder();
        var data = new StringBuilder();
        int pos = 0;
        while (true)
        {
            var r = decoder.Read(input.AsSpan(pos), out int consumed, out int off, out int count);
            if (r == ChunkedDecoder.Result.Data) data.Append(Encoding.ASCII.GetString(input, pos + off, count));
            pos += consumed;
            if (r != ChunkedDecoder.Result.Data) return (r, data.ToString(), pos);
        }
    }

    [Fact]
    public void Chunks_extensions_and_trailers_decode_to_the_data_alone()
    {
        var body = "5;name=value\r\nhello\r\nA\r\n 012345678\r\n0\r\nX-Trailer: t\r\nY: u\r\n\r\nNEXT"u8.ToArray();
        var (result, data, consumed) = DecodeAll(body);
        Assert.Equal(ChunkedDecoder.Result.Done, result);
        Assert.Equal("hello 012345678", data);
        Assert.Equal(body.Length - 4, consumed); // stops exactly at the end of the body
        Assert.Equal(ChunkedDecoder.Result.NeedMore, DecodeAll("5\r\nhel"u8.ToArray()).Result);
        Assert.Equal(ChunkedDecoder.Result.NeedMore, DecodeAll("0\r\n"u8.ToArray()).Result);
    }

    [Theory]
    [InlineData("zz\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhelloXX0\r\n\r\n")]                 // data not followed by CRLF
    [InlineData("5\nhello\r\n0\r\n\r\n")]                 // bare LF after the size
    [InlineData("1000000000000000\r\n")]                   // size overflow
    [InlineData("\r\n")]                                   // no size
    public void Malformed_chunking_is_invalid(string text) =>
        Assert.Equal(ChunkedDecoder.Result.Invalid, DecodeAll(Encoding.ASCII.GetBytes(text)).Result);

    [Fact]
    public void Any_body_chunked_any_way_and_delivered_in_any_pieces_decodes_to_itself()
    {
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Int[1, 700].Array[1, 8], Gen.Int[1, 64])
            .Sample((data, chunkSizes, piece) =>
            {
                using var ms = new MemoryStream();
                int i = 0, k = 0;
                while (i < data.Length)
                {
                    int n = Math.Min(chunkSizes[k++ % chunkSizes.Length], data.Length - i);
                    ms.Write(Encoding.ASCII.GetBytes($"{n:X}\r\n"));
                    ms.Write(data, i, n);
                    ms.Write("\r\n"u8);
                    i += n;
                }
                ms.Write("0\r\n\r\n"u8);
                var encoded = ms.ToArray();

                var decoder = new ChunkedDecoder();
                var output = new MemoryStream();
                ChunkedDecoder.Result last = ChunkedDecoder.Result.NeedMore;
                for (int start = 0; start < encoded.Length && last != ChunkedDecoder.Result.Done; start += piece)
                {
                    var slice = encoded.AsSpan(start, Math.Min(piece, encoded.Length - start));
                    int pos = 0;
                    while (pos < slice.Length)
                    {
                        last = decoder.Read(slice[pos..], out int consumed, out int off, out int count);
                        if (last == ChunkedDecoder.Result.Data) output.Write(slice.Slice(pos + off, count));
                        pos += consumed;
                        if (last is ChunkedDecoder.Result.Done or ChunkedDecoder.Result.Invalid) break;
                    }
                }
                return last == ChunkedDecoder.Result.Done && output.ToArray().AsSpan().SequenceEqual(data);
            });
    }
}
