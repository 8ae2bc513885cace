using Podwire.Ingress.Tests.Harness;

namespace Podwire.Ingress.Tests;

/// <summary>
/// Issue 12 V3/V4: one target, derived once from the raw request target, decides the route and is
/// what the backend receives, on both forwarders; a decoded '?' or '#' never cuts matching and
/// '%25' is never decoded twice.
/// </summary>
public sealed class TargetTests(BackendsFixture backends) : IClassFixture<BackendsFixture>
{
    /// <summary>The same through the running proxy on both forwarders: who answers, and the exact target the backend got.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Routing_and_the_upstream_target_agree(bool yarpOnly)
    {
        await using var edge = await Edge.StartAsync(backends, Edge.Echo, yarpOnly);
        foreach (var (target, who) in new[]
        {
            ("/exact", "a"), ("/exact?x=1", "a"), ("/exact%3Fx", "dflt"), ("/exact%23x", "dflt"), ("/api%23x", "dflt"),
            ("/api/%2e%2e/secret", "dflt"), ("/api/../secret", "dflt"),
        })
        {
            var r = await RawClient.OnceAsync(edge.Port, $"GET {target} HTTP/1.1\r\nHost: paths.test\r\n\r\n");
            Assert.True(r is { Status: 200 } && r.Text.StartsWith($"backend={who} ", StringComparison.Ordinal), $"{target}: {r?.Status} {r?.Text}");
        }
        foreach (var (target, upstream) in new[]
        {
            ("/api/%252e%252e/secret", "/api/%252e%252e/secret"), ("/api/x/../y", "/api/y"), ("/%61pi/x", "/api/x"),
            ("/api/a%2fb%ff?q=%2F%ff&r=..", "/api/a%2Fb%FF?q=%2F%ff&r=.."), ("http://paths.test/api/abs?x", "/api/abs?x"),
        })
        {
            var r = await RawClient.OnceAsync(edge.Port, $"GET {target} HTTP/1.1\r\nHost: paths.test\r\n\r\n");
            Assert.True(r is { Status: 200 }, $"{target}: {r?.Status} {r?.Text}");
            Assert.Equal("raw " + upstream, r!.Text);
            Assert.StartsWith($"GET {upstream} HTTP/1.1\r\n", edge.Raw.Heads[^1]);
        }
    }
}
