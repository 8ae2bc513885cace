using Podwire.Ingress.Tests.Harness;

namespace Podwire.Ingress.Tests;

/// <summary>
/// Issue 12 V1 and V5 on raw sockets, through the fast path and through YARP: a Connection header
/// naming a framing header is refused (never stripped, which smuggled the body as a second
/// request), Connection-named headers are stripped whatever else Connection lists, and a request
/// target with a bare CR, a control byte, a raw '#' or a bad escape is refused before routing.
/// </summary>
public sealed class SmugglingTests(BackendsFixture backends) : IClassFixture<BackendsFixture>
{
    private const string Smuggled = "GET /internal HTTP/1.1\r\nHost: smug.test\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n";

    /// <summary>
    /// Kestrel replaces a Connection value whose only recognised option is keep-alive, close or
    /// upgrade by that option alone before the application sees it (HttpRequestHeaders.ParseConnection),
    /// so <c>keep-alive, content-length</c> arrives as <c>keep-alive</c>: then the framing header is
    /// kept, which is the other safe outcome. Either way nothing is smuggled.
    /// </summary>
    [Theory]
    [InlineData(false, "Content-Length", true)]
    [InlineData(false, "X-Foo, Content-Length", true)]
    [InlineData(false, "content-length, X-Foo", true)]
    [InlineData(false, "Transfer-Encoding", true)]
    [InlineData(false, "Host", true)]
    [InlineData(false, "keep-alive, close, Content-Length", true)]
    [InlineData(false, "keep-alive, content-length", false)]
    [InlineData(false, "Content-Length, close", false)]
    [InlineData(true, "Content-Length", true)]
    [InlineData(true, "X-Foo, Content-Length", true)]
    [InlineData(true, "keep-alive, content-length", false)]
    public async Task A_Connection_header_naming_a_framing_header_never_smuggles_a_request(bool yarpOnly, string connection, bool refused)
    {
        await using var edge = await Edge.StartAsync(backends, Edge.Echo, yarpOnly);
        using var c = await RawClient.ConnectAsync(edge.Port);
        await c.SendAsync($"POST /public/a HTTP/1.1\r\nHost: raw.test\r\nContent-Length: {Smuggled.Length}\r\nConnection: {connection}\r\n\r\n{Smuggled}");
        var r = await c.ReadResponseAsync();
        Assert.NotNull(r);
        if (refused)
        {
            Assert.Equal(400, r.Status);
            Assert.True(await c.ClosedAsync(), "the connection stays open after a refused request");
            Assert.Empty(edge.Raw.Heads); // neither the POST nor the smuggled GET reached the backend
            return;
        }
        Assert.Equal(200, r.Status);
        var only = Assert.Single(edge.Raw.Requests);
        Assert.Contains($"\r\nContent-Length: {Smuggled.Length}\r\n", only.Head);
        Assert.Equal(Smuggled, System.Text.Encoding.ASCII.GetString(only.Body));
    }

    [Theory]
    [InlineData(false, "X-Drop")]
    [InlineData(false, "X-Foo , x-drop")]
    [InlineData(false, "keep-alive, close, X-Drop")]
    [InlineData(true, "X-Drop")]
    [InlineData(true, "keep-alive, close, X-Drop")]
    public async Task Headers_named_by_Connection_are_stripped(bool yarpOnly, string connection)
    {
        await using var edge = await Edge.StartAsync(backends, Edge.Echo, yarpOnly);
        var r = await RawClient.OnceAsync(edge.Port,
            $"POST /x HTTP/1.1\r\nHost: raw.test\r\nX-Drop: secret\r\nX-Keep: 1\r\nConnection: {connection}\r\nContent-Length: 5\r\n\r\nhello");
        Assert.True(r is { Status: 200 }, $"{r?.Status} {r?.Text}\n{string.Join("\n", edge.Proxy.Lines)}");
        var received = Assert.Single(edge.Raw.Requests);
        Assert.DoesNotContain("X-Drop", received.Head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret", received.Head);
        Assert.Contains("\r\nX-Keep: 1\r\n", received.Head);
        Assert.Contains("\r\nContent-Length: 5\r\n", received.Head);
        Assert.Equal("hello"u8.ToArray(), received.Body);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Forwarding_headers_are_stated_by_the_proxy_and_underscore_variants_dropped(bool yarpOnly)
    {
        await using var edge = await Edge.StartAsync(backends, Edge.Echo, yarpOnly);
        var r = await RawClient.OnceAsync(edge.Port,
            "GET /h HTTP/1.1\r\nHost: raw.test\r\nX-Forwarded-For: 6.6.6.6\r\nX_Forwarded_For: 6.6.6.7\r\nX-Real-IP: 6.6.6.8\r\nX_Real_IP: 6.6.6.9\r\n"
            + "Forwarded: for=6.6.6.10\r\nX-Forwarded-Port: 1\r\nX-Forwarded-Proto: https\r\nx-forwarded_host: evil.test\r\n\r\n");
        Assert.Equal(200, r!.Status);
        var head = Assert.Single(edge.Raw.Heads);
        Assert.DoesNotContain("6.6.6.", head);
        Assert.DoesNotContain("evil.test", head);
        Assert.DoesNotContain("_", head);
        Assert.DoesNotContain("Forwarded:", head);
        foreach (var line in new[] { "X-Forwarded-For: 127.0.0.1", "X-Real-IP: 127.0.0.1", $"X-Forwarded-Port: {edge.Port}", "X-Forwarded-Proto: http" })
            Assert.Contains("\r\n" + line + "\r\n", head, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>RFC 9112 §2.2 and §3.2: no control byte, bare CR, raw '#' or broken escape in a target reaches a backend.</summary>
    [Theory]
    [InlineData(false, "/a?x=\rInjected: 1")]
    [InlineData(false, "/a?x=\x01")]
    [InlineData(false, "/a?x=\x7f")]
    [InlineData(false, "/a\x1b[31m")]
    [InlineData(false, "/a?x=\tb")]
    [InlineData(false, "/a#frag")]
    [InlineData(false, "/a?x#frag")]
    [InlineData(false, "/a%zz")]
    [InlineData(false, "/a%2")]
    [InlineData(false, "/caf\u00e9")]
    [InlineData(true, "/a?x=\rInjected: 1")]
    [InlineData(true, "/a#frag")]
    [InlineData(true, "/a%zz")]
    public async Task Hostile_request_targets_are_refused_with_400(bool yarpOnly, string target)
    {
        await using var edge = await Edge.StartAsync(backends, Edge.Echo, yarpOnly);
        var r = await RawClient.OnceAsync(edge.Port, $"GET {target} HTTP/1.1\r\nHost: raw.test\r\n\r\n");
        Assert.NotNull(r);
        Assert.Equal(400, r.Status);
        Assert.Empty(edge.Raw.Heads);
    }
}
