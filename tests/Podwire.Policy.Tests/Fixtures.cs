using Podwire.Controllers;
using Podwire.Model;
using Podwire.Sources;

namespace Podwire.Policy.Tests;

/// <summary>Loads manifests the way the CLI does and wraps the model as a derived cluster (addresses come from the manifests).</summary>
internal static class Fixtures
{
    public static string TestData(params string[] parts) => Repo.PathOf(["testdata", .. parts]);

    public static DerivedCluster Load(params string[] paths)
    {
        var loaded = ClusterLoader.Load(paths, new ClusterOptions());
        Assert.True(loaded.Ok, string.Join("\n", loaded.Problems));
        return Derive(loaded.Model!);
    }

    public static DerivedCluster Derive(ClusterModel m) =>
        new(m, m.Namespaces, m.Nodes, m.Pods, m.Services, m.EndpointSlices);
}
