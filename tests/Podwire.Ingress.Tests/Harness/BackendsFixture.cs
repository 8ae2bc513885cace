namespace Podwire.Ingress.Tests.Harness;

/// <summary>Four backends (a, b, c, dflt) and their Services, shared by a test class.</summary>
public sealed class BackendsFixture : IAsyncLifetime
{
    public static readonly string[] Names = ["a", "b", "c", "dflt"];
    private readonly List<Backend> _backends = [];

    /// <summary>The Service and EndpointSlice YAML of every backend.</summary>
    public string Services { get; private set; } = "";

    public async Task InitializeAsync()
    {
        foreach (var n in Names) _backends.Add(await Backend.StartAsync(n));
        Services = string.Concat(_backends.Select(b => Manifests.Service(b.Name, b.Port)));
    }

    public async Task DisposeAsync()
    {
        foreach (var b in _backends) await b.DisposeAsync();
    }
}
