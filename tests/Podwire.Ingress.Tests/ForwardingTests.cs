using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Podwire.Ingress.Tests.Harness;
using static Podwire.Ingress.Tests.Harness.Manifests;

namespace Podwire.Ingress.Tests;

/// <summary>
/// The HTTP/1.1 fast path (Forwarding/Http1Forwarder) through the real proxy against a backend
/// writing exact bytes: every way a response can be framed, backends that close, lie or fail,
/// and what is forwarded upstream. Requests it does not take (chunked bodies) still reach YARP.
/// </summary>
public sealed class ForwardingTests(BackendsFixture backends) : IClassFixture<BackendsFixture>
{
    private static readonly byte[] Large = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

    private static RawBackend.Reply Script(string method, string target, byte[] body)
    {
        string path = target.Split('?')[0];
        return path switch
        {
            "/cl" when method == "HEAD" => RawBackend.Text("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n"),
            "/cl" => RawBackend.Text("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\nX-Custom: a\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nKeep-Alive: timeout=5\r\nConnection: X-Hop\r\nX-Hop: secret\r\n\r\nhello"),
            "/chunked" => RawBackend.Text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"),
            "/chunked-slow" => RawBackend.Text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n", piece: 3),
            "/large" => new RawBackend.Reply([.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {Large.Length}\r\n\r\n"), .. Large]),
            "/large-chunked" => new RawBackend.Reply(ChunkedLarge()),
            "/close" => RawBackend.Text("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until close", piece: 4, close: true),
            "/http10" => RawBackend.Text("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold style", close: true),
            "/304" => RawBackend.Text("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 100\r\n\r\n"),
            "/204" => RawBackend.Text("HTTP/1.1 204 No Content\r\nX-Done: yes\r\n\r\n"),
            "/continue" => RawBackend.Text("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
            "/inject" => RawBackend.Text("HTTP/1.1 200 OK\r\nX-Bad: a\rInjected: 1\r\nContent-Length: 2\r\n\r\nok"),
            "/two-lengths" => RawBackend.Text("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!"),
            "/garbage" => RawBackend.Text("SSH-2.0-OpenSSH\r\n\r\n"),
            "/truncated" => RawBackend.Text("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", close: true),
            "/bad-chunk" => RawBackend.Text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
            "/hangup" => new RawBackend.Reply([], CloseWithoutAnswer: true),
            "/then-close" => RawBackend.Text("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", close: true),
            "/echo" => new RawBackend.Reply([.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n"), .. body]),
            _ => RawBackend.Text("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
        };
    }

    private static byte[] ChunkedLarge()
    {
        using var ms = new MemoryStream();
        ms.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"u8);
        for (int i = 0; i < Large.Length; i += 7000)
        {
            int n = Math.Min(7000, Large.Length - i);
            ms.Write(Encoding.ASCII.GetBytes($"{n:x}\r\n"));
            ms.Write(Large, i, n);
            ms.Write("\r\n"u8);
        }
        ms.Write("0\r\n\r\n"u8);
        return ms.ToArray();
    }

    private async Task<(IngressProcess Proxy, RawBackend Raw, HttpClient Client)> StartAsync()
    {
        var raw = new RawBackend(Script);
        var yaml = backends.Services + Service("raw", raw.Port) + Service("down", FreePort())
            + IngressYaml("raw", [Rule("raw.test", P("/", "Prefix", "raw")), Rule("down.test", P("/", "Prefix", "down")), Rule("kestrel.test", P("/", "Prefix", "a"))]);
        var proxy = await IngressProcess.StartAsync(yaml);
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{proxy.HttpPort}"),
            Timeout = TimeSpan.FromSeconds(20),
        };
        return (proxy, raw, client);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static HttpRequestMessage Req(string path, string host = "raw.test", HttpMethod? method = null)
    {
        var r = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        r.Headers.Host = host;
        return r;
    }

    [Fact]
    public async Task Content_length_chunked_and_until_close_bodies_arrive_whole_and_hop_by_hop_headers_do_not()
    {
        var (proxy, raw, client) = await StartAsync();
        await using var _ = proxy;
        await using var __ = raw;
        using var ___ = client;

        using (var r = await client.SendAsync(Req("/cl")))
        {
            Assert.Equal(200, (int)r.StatusCode);
            Assert.Equal("hello", await r.Content.ReadAsStringAsync());
            Assert.Equal(5, r.Content.Headers.ContentLength);
            Assert.Equal("text/plain", r.Content.Headers.ContentType!.ToString());
            Assert.Equal(["a"], r.Headers.GetValues("X-Custom"));
            Assert.Equal(["a=1", "b=2"], r.Headers.GetValues("Set-Cookie"));
            Assert.False(r.Headers.Contains("Keep-Alive"));
            Assert.False(r.Headers.Contains("X-Hop")); // named by Connection: hop-by-hop
        }
        foreach (var path in new[] { "/chunked", "/chunked-slow" })
        {
            using var r = await client.SendAsync(Req(path));
            Assert.Equal("hello world", await r.Content.ReadAsStringAsync());
            Assert.False(r.Headers.Contains("X-Trailer"));
        }
        foreach (var path in new[] { "/large", "/large-chunked" })
        {
            var bytes = await (await client.SendAsync(Req(path))).Content.ReadAsByteArrayAsync();
            Assert.Equal(Large.Length, bytes.Length);
            Assert.True(Large.SequenceEqual(bytes), path + ": the body differs");
        }
        using (var r = await client.SendAsync(Req("/close")))
            Assert.Equal("body until close", await r.Content.ReadAsStringAsync());
        using (var r = await client.SendAsync(Req("/http10")))
            Assert.Equal("old style", await r.Content.ReadAsStringAsync());
        // Many requests over few backend connections: keep-alive and pooling work.
        int before = raw.Connections;
        for (int i = 0; i < 30; i++)
            using (var r = await client.SendAsync(Req("/cl"))) Assert.Equal("hello", await r.Content.ReadAsStringAsync());
        Assert.True(raw.Connections - before <= 1, $"{raw.Connections - before} new backend connections for 30 sequential requests");
    }

    [Fact]
    public async Task Bodiless_responses_interim_responses_and_request_bodies()
    {
        var (proxy, raw, client) = await StartAsync();
        await using var _ = proxy;
        await using var __ = raw;
        using var ___ = client;

        using (var r = await client.SendAsync(Req("/cl", method: HttpMethod.Head)))
        {
            Assert.Equal(200, (int)r.StatusCode);
            Assert.Equal(5, r.Content.Headers.ContentLength);
            Assert.Empty(await r.Content.ReadAsByteArrayAsync());
        }
        using (var r = await client.SendAsync(Req("/304")))
        {
            Assert.Equal(304, (int)r.StatusCode);
            Assert.Equal("\"v1\"", r.Headers.ETag!.ToString());
            Assert.Empty(await r.Content.ReadAsByteArrayAsync());
        }
        using (var r = await client.SendAsync(Req("/204")))
        {
            Assert.Equal(204, (int)r.StatusCode);
            Assert.Equal(["yes"], r.Headers.GetValues("X-Done"));
        }
        using (var r = await client.SendAsync(Req("/continue")))
        {
            Assert.Equal(201, (int)r.StatusCode);
            Assert.Equal("ok", await r.Content.ReadAsStringAsync());
        }
        // The connection stays usable after each of those.
        using (var r = await client.SendAsync(Req("/cl"))) Assert.Equal("hello", await r.Content.ReadAsStringAsync());

        var payload = RandomNumberGenerator.GetBytes(200_000);
        var post = Req("/echo", method: HttpMethod.Post);
        post.Content = new ByteArrayContent(payload);
        using (var r = await client.SendAsync(post))
        {
            var echoed = await r.Content.ReadAsByteArrayAsync();
            Assert.True(payload.AsSpan().SequenceEqual(echoed));
        }

        // A chunked request body is not this path's: YARP forwards it (to a Kestrel backend here).
        var chunked = Req("/upload", host: "kestrel.test", method: HttpMethod.Post);
        chunked.Content = new StreamContent(new MemoryStream(payload));
        chunked.Headers.TransferEncodingChunked = true;
        using (var r = await client.SendAsync(chunked))
        {
            Assert.Equal(200, (int)r.StatusCode);
            Assert.StartsWith("backend=a path=/upload ", await r.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task The_request_head_sent_upstream_has_the_client_Host_forwarded_headers_and_no_hop_by_hop_ones()
    {
        var (proxy, raw, client) = await StartAsync();
        await using var _ = proxy;
        await using var __ = raw;
        using var ___ = client;

        var req = Req("/echo?q=1&r=%2F");
        req.Headers.Add("X-Forwarded-For", "6.6.6.6");
        req.Headers.Add("X-Forwarded-Host", "evil.test");
        req.Headers.Add("X-Custom-Req", "v");
        req.Headers.Add("X-Drop", "1");
        req.Headers.Connection.Add("X-Drop");
        req.Headers.Add("Keep-Alive", "timeout=1");
        using (var r = await client.SendAsync(req)) Assert.Equal(200, (int)r.StatusCode);
        var head = raw.Heads[^1];
        Assert.StartsWith("GET /echo?q=1&r=%2F HTTP/1.1\r\nHost: raw.test\r\n", head);
        Assert.Contains("\r\nX-Custom-Req: v\r\n", head);
        Assert.Contains($"\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: raw.test\r\nX-Forwarded-Port: {proxy.HttpPort}\r\nX-Real-IP: 127.0.0.1\r\n\r\n", head);
        foreach (var gone in new[] { "6.6.6.6", "evil.test", "X-Drop", "Keep-Alive", "Connection:" })
            Assert.DoesNotContain(gone, head);
    }

    [Fact]
    public async Task Failing_and_lying_backends_give_502_or_a_cut_connection_never_a_forged_response()
    {
        var (proxy, raw, client) = await StartAsync();
        await using var _ = proxy;
        await using var __ = raw;
        using var ___ = client;

        foreach (var path in new[] { "/inject", "/two-lengths", "/garbage", "/hangup" })
        {
            using var r = await client.SendAsync(Req(path));
            Assert.True((int)r.StatusCode == 502, $"{path}: {(int)r.StatusCode}");
            Assert.False(r.Headers.Contains("Injected"));
        }
        using (var r = await client.SendAsync(Req("/", host: "down.test")))
            Assert.Equal(502, (int)r.StatusCode);

        // The status is out when the body turns out short or malformed: the client must see a failure.
        foreach (var path in new[] { "/truncated", "/bad-chunk" })
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                using var r = await client.SendAsync(Req(path));
                await r.Content.ReadAsByteArrayAsync();
            });

        // A backend that closes kept-alive connections behind our back: pooled ones go stale and are retried.
        for (int i = 0; i < 5; i++)
            using (var r = await client.SendAsync(Req("/then-close"))) Assert.Equal("ok", await r.Content.ReadAsStringAsync());
        using (var r = await client.SendAsync(Req("/cl"))) Assert.Equal("hello", await r.Content.ReadAsStringAsync());
    }
}
