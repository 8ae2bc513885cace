using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Podwire.Ingress.Forwarding;

/// <summary>
/// Forwards an HTTP/1.x request with no body or a Content-Length body to a plain-HTTP backend
/// over a pooled keep-alive connection: the request head is written from Kestrel's parsed
/// request, the response head parsed in place and set on Kestrel's response, and the body
/// streamed with its own framing (Content-Length, chunked, until close; none for HEAD, 1xx, 204,
/// 304). It does only this so it can do it cheaply (no HttpRequestMessage/HttpResponseMessage,
/// no header validation beyond what keeps the exchange safe); upgrades, HTTP/2 clients and
/// chunked request bodies stay with YARP (see <see cref="CanForward"/>).
/// </summary>
internal sealed class Http1Forwarder(UpstreamPools pools)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly byte[] BadGatewayBody = "502 bad gateway\n"u8.ToArray();
    private static readonly byte[] BusyBody = "503 backend connection limit reached\n"u8.ToArray();
    private static readonly byte[] TimeoutBody = "504 gateway timeout\n"u8.ToArray();
    private const int MaxAttempts = 3;
    private const int LargeHead = 256 * 1024;
    // ExchangeHeadAsync results other than a byte count.
    private const int NothingBack = 0, BadResponse = -1, ClientGone = -2;

    public UpstreamPools Pools { get; } = pools;

    /// <summary>Whether this forwarder handles the request (else YARP does).</summary>
    public static bool CanForward(HttpContext context)
    {
        var request = context.Request;
        if (!HttpProtocol.IsHttp11(request.Protocol) && !HttpProtocol.IsHttp10(request.Protocol)) return false;
        if (HttpMethods.IsConnect(request.Method)) return false;
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }) return false;
        return request.Headers.TransferEncoding.Count == 0;
    }

    /// <param name="target">The normalised target the route table matched (Routing.RequestTarget).</param>
    public async Task ForwardAsync(HttpContext context, UpstreamPool pool, string target)
    {
        long bodyLength = context.Request.ContentLength ?? 0;
        var method = context.Request.Method;
        bool headRequest = HttpMethods.IsHead(method);
        // RFC 9110 §9.2.2: only a request that is safe to repeat is sent again on a fresh connection
        // (what nginx does too; DELETE and PUT are idempotent, but a bodiless POST is not, and an
        // ingress cannot know what a backend's DELETE does a second time).
        bool retriable = bodyLength == 0 && (headRequest || HttpMethods.IsGet(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));
        UpstreamConnection? conn = null;
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                // Rent checks the connection is quiet (nothing unread, not closed) before handing it out.
                conn = pool.TryRent();
                bool reused = conn is not null;
                if (conn is null)
                {
                    try { conn = await pool.ConnectAsync(ConnectTimeout); }
                    catch (Exception e) when (e is SocketException or OperationCanceledException)
                    {
                        await ErrorAsync(context, 502, BadGatewayBody);
                        return;
                    }
                    if (conn is null)
                    {
                        await ErrorAsync(context, 503, BusyBody);
                        return;
                    }
                }
                var slices = conn.Slices;
                var (received, head) = await ExchangeHeadAsync(context, conn, bodyLength, slices, target, pool.Authority);
                if (received > 0)
                {
                    var c = conn;
                    conn = null; // RespondAsync returns or closes it
                    await RespondAsync(context, c, head, slices, received, headRequest);
                    return;
                }
                conn.Close();
                if (received == ClientGone) { context.Abort(); return; }
                // Nothing came back from a reused connection: the backend most likely closed it while
                // idle and did not see this request; a safe one is sent again.
                if (received == BadResponse || !reused || !retriable || attempt == MaxAttempts || context.RequestAborted.IsCancellationRequested)
                {
                    bool timedOut = conn.TimedOut;
                    conn = null;
                    await ErrorAsync(context, timedOut ? 504 : 502, timedOut ? TimeoutBody : BadGatewayBody);
                    return;
                }
                conn = null;
            }
        }
        finally
        {
            conn?.Close();
        }
    }

    /// <summary>
    /// Sends the request and reads the response head, skipping 1xx interim responses. Returns the
    /// bytes now in the connection's buffer (the head and whatever followed it), or
    /// <see cref="NothingBack"/>, <see cref="BadResponse"/>, <see cref="ClientGone"/>.
    /// </summary>
    // Nearly every exchange waits for the backend once: a pooled state machine, not a new one per request.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<(int, ResponseHead)> ExchangeHeadAsync(HttpContext context, UpstreamConnection conn, long bodyLength, HeaderSlice[] slices, string target, string authority)
    {
        var buffer = conn.Buffer;
        var head = default(ResponseHead);
        bool anyByte = false;
        try
        {
            int n = RequestHeadWriter.Write(buffer, context, target, authority);
            if (n >= 0) await SendAsync(conn, buffer.AsMemory(0, n));
            else
            {
                var large = ArrayPool<byte>.Shared.Rent(LargeHead);
                try
                {
                    n = RequestHeadWriter.Write(large, context, target, authority);
                    if (n < 0) return (BadResponse, head);
                    await SendAsync(conn, large.AsMemory(0, n));
                }
                finally { ArrayPool<byte>.Shared.Return(large); }
            }
            if (bodyLength > 0 && !await SendBodyAsync(context, conn, bodyLength)) return (ClientGone, head);

            int received = 0;
            while (true)
            {
                if (received > 0)
                {
                    var status = ResponseHead.TryParse(buffer.AsSpan(0, received), ref head, slices);
                    if (status == ResponseHead.ParseStatus.Invalid) return (BadResponse, head);
                    if (status == ResponseHead.ParseStatus.Complete)
                    {
                        if (head.Status >= 200) return (received, head);
                        if (head.Status == 101) return (BadResponse, head); // no upgrade was asked for on this path
                        int rest = received - head.HeadLength;
                        buffer.AsSpan(head.HeadLength, rest).CopyTo(buffer);
                        received = rest;
                        continue;
                    }
                    if (received == buffer.Length) return (BadResponse, head); // head larger than 16 KiB
                }
                conn.LastActivity = Environment.TickCount64;
                int r = await conn.Socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None);
                if (r == 0) return (anyByte ? BadResponse : NothingBack, head);
                anyByte = true;
                received += r;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return (anyByte ? BadResponse : NothingBack, head);
        }
    }

    private static async ValueTask SendAsync(UpstreamConnection conn, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            conn.LastActivity = Environment.TickCount64;
            int n = await conn.Socket.SendAsync(data, SocketFlags.None);
            data = data[n..];
        }
    }

    /// <summary>Copies the client's Content-Length body; false when the client went away first.</summary>
    private static async ValueTask<bool> SendBodyAsync(HttpContext context, UpstreamConnection conn, long length)
    {
        var reader = context.Request.BodyReader;
        while (length > 0)
        {
            ReadResult result;
            try { result = await reader.ReadAsync(); }
            catch (Exception e) when (e is IOException or BadHttpRequestException or ConnectionResetException or OperationCanceledException) { return false; }
            foreach (var segment in result.Buffer)
            {
                var piece = segment.Length > length ? segment[..(int)length] : segment;
                await SendAsync(conn, piece);
                length -= piece.Length;
            }
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled) break;
        }
        return length == 0;
    }

    private static Task ErrorAsync(HttpContext context, int status, byte[] body)
    {
        var response = context.Response;
        if (response.HasStarted) { context.Abort(); return Task.CompletedTask; }
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length);
    }

    /// <summary>Sets the status and headers, streams the body, then pools or closes the connection.</summary>
    private static async Task RespondAsync(HttpContext context, UpstreamConnection conn, ResponseHead head, HeaderSlice[] slices, int received, bool headRequest)
    {
        var response = context.Response;
        response.StatusCode = head.Status;
        ResponseHeaders.Copy(response, conn, head, slices);
        var buffer = conn.Buffer;
        int offset = head.HeadLength;
        bool reuse = !head.ConnectionClose;
        try
        {
            if (head.Bodiless(headRequest))
            {
                Finish(conn, reuse && received == offset);
                return;
            }
            var writer = response.BodyWriter;
            if (head.ContentLength >= 0)
            {
                long remaining = head.ContentLength;
                int take = (int)Math.Min(remaining, received - offset);
                if (take > 0) writer.Write(buffer.AsSpan(offset, take));
                if (received - offset > take) reuse = false; // bytes beyond the body: not a connection to trust
                remaining -= take;
                bool streamed = remaining > 0;
                while (remaining > 0)
                {
                    // Straight from the socket into Kestrel's output buffer: no copy of our own.
                    var memory = writer.GetMemory((int)Math.Min(remaining, UpstreamConnection.BufferSize));
                    if (memory.Length > remaining) memory = memory[..(int)remaining];
                    conn.LastActivity = Environment.TickCount64;
                    int r = await conn.Socket.ReceiveAsync(memory, SocketFlags.None);
                    if (r == 0) { Broken(context, conn); return; }
                    writer.Advance(r);
                    remaining -= r;
                    if (remaining > 0 && await ClientGoneAsync(context, writer)) { conn.Close(); return; }
                }
                Finish(conn, reuse);
                // Bytes advanced into Kestrel's buffer are not sent by the end of the request alone (measured).
                if (streamed) await writer.FlushAsync();
                return;
            }
            if (head.Chunked)
            {
                var decoder = new ChunkedDecoder();
                int pos = offset, end = received;
                while (true)
                {
                    while (pos < end)
                    {
                        var result = decoder.Read(buffer.AsSpan(pos, end - pos), out int consumed, out int dataOffset, out int dataCount);
                        if (result == ChunkedDecoder.Result.Data) writer.Write(buffer.AsSpan(pos + dataOffset, dataCount));
                        pos += consumed;
                        if (result == ChunkedDecoder.Result.Done) { Finish(conn, reuse && pos == end); return; }
                        if (result == ChunkedDecoder.Result.Invalid) { Broken(context, conn); return; }
                    }
                    if (await ClientGoneAsync(context, writer)) { conn.Close(); return; }
                    conn.LastActivity = Environment.TickCount64;
                    int r = await conn.Socket.ReceiveAsync(buffer, SocketFlags.None);
                    if (r == 0) { Broken(context, conn); return; }
                    pos = 0;
                    end = r;
                }
            }
            // No length, not chunked: the body is everything until the backend closes.
            if (received > offset) writer.Write(buffer.AsSpan(offset, received - offset));
            while (true)
            {
                if (await ClientGoneAsync(context, writer)) break;
                conn.LastActivity = Environment.TickCount64;
                int r = await conn.Socket.ReceiveAsync(writer.GetMemory(UpstreamConnection.BufferSize), SocketFlags.None);
                if (r == 0) break;
                writer.Advance(r);
            }
            conn.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Broken(context, conn);
        }
    }

    private static void Finish(UpstreamConnection conn, bool reuse)
    {
        if (reuse) conn.Pool.Return(conn);
        else conn.Close();
    }

    /// <summary>The backend failed after the status was committed: the client sees its connection end, not a complete-looking response.</summary>
    private static void Broken(HttpContext context, UpstreamConnection conn)
    {
        conn.Close();
        context.Abort();
    }

    private static async ValueTask<bool> ClientGoneAsync(HttpContext context, PipeWriter writer)
    {
        var flush = await writer.FlushAsync();
        return flush.IsCanceled || flush.IsCompleted || context.RequestAborted.IsCancellationRequested;
    }
}
