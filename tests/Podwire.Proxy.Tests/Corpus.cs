using Podwire.Controllers;
using Podwire.Model;
using Podwire.Sources;

namespace Podwire.Proxy.Tests;

/// <summary>The golden corpus under testdata/proxy and a loader for inline manifests.</summary>
internal static class Corpus
{
    /// <summary>A third web pod for the clusterip case (appended to its manifests: one endpoint more).</summary>
    public const string ThirdWebPod = """

        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-3, namespace: default, labels: {app: web}}
        spec:
          nodeName: node-1
          containers: [{name: c, ports: [{containerPort: 8080, name: http}, {containerPort: 5353, protocol: UDP, name: dns}]}]
        """;

    public static string Dir => Repo.PathOf("testdata", "proxy");

    public static IEnumerable<object[]> Cases() =>
        Directory.GetDirectories(Dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(c => new object[] { c! });

    public static DerivedCluster LoadCase(string name) => Load(Path.Combine(Dir, name, "manifests.yaml"));

    public static DerivedCluster Load(string path)
    {
        var loaded = ClusterLoader.Load([path], new ClusterOptions());
        Assert.True(loaded.Ok, string.Join("\n", loaded.Problems));
        return ControlPlane.Derive(loaded.Model!);
    }

    public static DerivedCluster LoadYaml(string yaml)
    {
        var dir = Directory.CreateTempSubdirectory("pw-proxytest-");
        try
        {
            var f = Path.Combine(dir.FullName, "m.yaml");
            File.WriteAllText(f, yaml);
            return Load(f);
        }
        finally { dir.Delete(true); }
    }

    /// <summary>Every node's table, each headed by a comment naming the node (what expected.nft holds).</summary>
    public static string RenderAll(DerivedCluster cluster) =>
        string.Concat(cluster.Nodes.Select(n => $"# node {n.Name}\n" + ProxyRenderer.RenderTable(ProxyCompiler.Compile(cluster, n.Name))));
}
