using static Podwire.Ingress.Tests.Harness.Manifests;

namespace Podwire.Ingress.Tests.Harness;

/// <summary>
/// A proxy for the hostile-input tests: <c>raw.test</c> goes to a <see cref="RawBackend"/>;
/// <c>paths.test</c> has Exact <c>/exact</c> → a, Prefix <c>/api</c> → the raw backend, Prefix
/// <c>/</c> → dflt. Started as shipped (fast path) or with every request through YARP.
/// </summary>
public sealed class Edge : IAsyncDisposable
{
    public required IngressProcess Proxy { get; init; }
    public required RawBackend Raw { get; init; }
    public int Port => Proxy.HttpPort;

    public static async Task<Edge> StartAsync(BackendsFixture backends, Func<string, string, byte[], RawBackend.Reply> script, bool yarpOnly = false)
    {
        var raw = new RawBackend(script);
        var yaml = backends.Services + Service("raw", raw.Port)
            + IngressYaml("edge", [
                Rule("raw.test", P("/", "Prefix", "raw")),
                Rule("paths.test", P("/exact", "Exact", "a"), P("/api", "Prefix", "raw"), P("/", "Prefix", "dflt")),
            ]);
        try { return new Edge { Proxy = await IngressProcess.StartAsync(yaml, yarpOnly), Raw = raw }; }
        catch { await raw.DisposeAsync(); throw; }
    }

    /// <summary>Answers every request 200 with "raw PATH" as the body.</summary>
    public static RawBackend.Reply Echo(string method, string target, byte[] body) =>
        RawBackend.Text($"HTTP/1.1 200 OK\r\nContent-Length: {4 + target.Length}\r\n\r\nraw {target}");

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Raw.DisposeAsync();
    }
}
