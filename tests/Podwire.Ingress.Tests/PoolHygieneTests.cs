using System.Text;
using Podwire.Ingress.Tests.Harness;

namespace Podwire.Ingress.Tests;

/// <summary>
/// Issue 12 V2: whatever a backend sends beyond its response, the next client gets its own
/// response, never those bytes; and a request that is not safe to repeat is never sent twice.
/// </summary>
public sealed class PoolHygieneTests(BackendsFixture backends) : IClassFixture<BackendsFixture>
{
    private const string Poison = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nPOISONED";
    private static readonly byte[] PoisonBytes = Encoding.ASCII.GetBytes(Poison);

    private static RawBackend.Reply Script(string method, string target, byte[] body) => target switch
    {
        // The issue's reproduction: one write, a lying Content-Length's worth of body, then a forged response.
        "/wrong-length" => RawBackend.Text("HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n" + new string('a', 40000) + Poison),
        "/short-length" => RawBackend.Text("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + Poison),
        "/head" => new RawBackend.Reply("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n"u8.ToArray(), Extra: "POISONED"u8.ToArray()),
        "/head-same-write" => RawBackend.Text("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nPOISONED"),
        "/204" => new RawBackend.Reply("HTTP/1.1 204 No Content\r\n\r\n"u8.ToArray(), Extra: PoisonBytes),
        "/304" => new RawBackend.Reply("HTTP/1.1 304 Not Modified\r\nContent-Length: 8\r\n\r\n"u8.ToArray(), Extra: "POISONED"u8.ToArray()),
        "/chunked" => new RawBackend.Reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"u8.ToArray(), Extra: PoisonBytes),
        "/chunked-same-write" => RawBackend.Text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" + Poison),
        "/continue" => new RawBackend.Reply("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), Extra: PoisonBytes),
        "/continue-same-write" => RawBackend.Text("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + Poison),
        "/drop" => new RawBackend.Reply([], CloseWithoutAnswer: true),
        _ => RawBackend.Text("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine"),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bytes_beyond_a_response_never_reach_the_next_client(bool yarpOnly)
    {
        await using var edge = await Edge.StartAsync(backends, Script, yarpOnly);
        int replies = 0;
        foreach (var (method, path) in new[]
        {
            ("GET", "/wrong-length"), ("GET", "/short-length"), ("HEAD", "/head"), ("HEAD", "/head-same-write"), ("GET", "/204"), ("GET", "/304"),
            ("GET", "/chunked"), ("GET", "/chunked-same-write"), ("GET", "/continue"), ("GET", "/continue-same-write"),
        })
        {
            // Whatever the first client gets (its response, or a cut connection when the proxy noticed), ...
            await RawClient.OnceAsync(edge.Port, $"{method} {path} HTTP/1.1\r\nHost: raw.test\r\n\r\n", headRequest: method == "HEAD");
            await edge.Raw.WaitForRepliesAsync(++replies);
            // ... every later client gets exactly its own.
            for (int i = 0; i < 3; i++)
            {
                var next = await RawClient.OnceAsync(edge.Port, $"GET /next{i} HTTP/1.1\r\nHost: raw.test\r\n\r\n");
                replies++;
                Assert.True(next is { Status: 200, Text: "fine" }, $"after {method} {path}, client {i} got {next?.Status} {next?.Text}\n{string.Join("\n", edge.Proxy.Lines)}\n{string.Join("\n", edge.Raw.Heads.Select(h => h.Split('\r')[0]))}");
            }
        }
    }

    [Fact]
    public async Task A_request_that_is_not_safe_to_repeat_is_sent_once_when_a_reused_connection_dies()
    {
        await using var edge = await Edge.StartAsync(backends, Script);
        foreach (var method in new[] { "POST", "DELETE", "PATCH", "PUT" })
        {
            Assert.Equal(200, (await RawClient.OnceAsync(edge.Port, "GET /prime HTTP/1.1\r\nHost: raw.test\r\n\r\n"))!.Status);
            var r = await RawClient.OnceAsync(edge.Port, $"{method} /drop HTTP/1.1\r\nHost: raw.test\r\nContent-Length: 0\r\n\r\n");
            Assert.Equal(502, r!.Status);
            Assert.Single(edge.Raw.Heads, h => h.StartsWith($"{method} /drop ", StringComparison.Ordinal));
        }
        // A safe one is retried on a fresh connection, as a client would.
        Assert.Equal(200, (await RawClient.OnceAsync(edge.Port, "GET /prime HTTP/1.1\r\nHost: raw.test\r\n\r\n"))!.Status);
        Assert.Equal(502, (await RawClient.OnceAsync(edge.Port, "GET /drop HTTP/1.1\r\nHost: raw.test\r\n\r\n"))!.Status);
        Assert.True(edge.Raw.Heads.Count(h => h.StartsWith("GET /drop ", StringComparison.Ordinal)) > 1);
    }
}
