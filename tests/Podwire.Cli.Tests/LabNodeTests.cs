using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>
/// A running lab gaining and losing nodes through apply (as joining and deleting Nodes in a
/// cluster), and applies that arrive together: in the real kernel, through ./podwire.
/// </summary>
public sealed class LabNodeTests : IDisposable
{
    private readonly List<string> _dirs = [];

    public void Dispose()
    {
        foreach (var d in _dirs) Directory.Delete(d, true);
    }

    private const string Pods = """
        apiVersion: v1
        kind: Pod
        metadata: {name: a1, namespace: default}
        spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: a2, namespace: default}
        spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
        """;

    private const string Newcomer = """
        apiVersion: v1
        kind: Pod
        metadata: {name: zz, namespace: default}
        spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
        """;

    private string Write(params string[] docs)
    {
        var dir = Directory.CreateTempSubdirectory("pw-nodetest-");
        _dirs.Add(dir.FullName);
        File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), string.Join("\n---\n", docs));
        return dir.FullName;
    }

    private static Dictionary<string, (string Node, string IP)> Placement(TestLab lab) =>
        lab.Pods().EnumerateArray()
            .Where(p => p.GetProperty("metadata").GetProperty("namespace").GetString() == "default")
            .ToDictionary(p => p.GetProperty("metadata").GetProperty("name").GetString()!,
                p => (p.GetProperty("spec").GetProperty("nodeName").GetString()!, p.GetProperty("status").GetProperty("podIP").GetString()!));

    [RootTheory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    public void ANodeJoinsCarriesTrafficAndLeavesTakingItsPods(string backend)
    {
        using var lab = new TestLab(Write(Pods), "--backend", backend);
        var before = Placement(lab);

        var grow = PodwireCli.Run("apply", "-f", Write(Pods, Newcomer), "--nodes", "3", "--cluster", lab.Name);
        Assert.True(grow.ExitCode == 0, grow.Stderr);
        Assert.Contains("1 nodes added, 0 removed", grow.Stdout);
        Assert.True(NetnsSandbox.Exists(lab.Netns("node-node-3")));
        var grown = Placement(lab);
        // Nothing that ran moved; the newcomer went to the empty node, reachable from the others.
        Assert.All(before, kv => Assert.Equal(kv.Value, grown[kv.Key]));
        Assert.Equal("node-3", grown["zz"].Node);
        var hello = lab.Exec("default/a1", "curl", "-s", "-m", "5", $"http://{grown["zz"].IP}:8080/hostname");
        Assert.True(hello.ExitCode == 0 && hello.Stdout.Trim() == "zz", $"a1 -> zz on node-3: {hello.Stdout} {hello.Stderr}");

        var shrink = PodwireCli.Run("apply", "-f", Write(Pods, Newcomer), "--nodes", "2", "--cluster", lab.Name);
        Assert.True(shrink.ExitCode == 0, shrink.Stderr);
        Assert.Contains("0 nodes added, 1 removed", shrink.Stdout);
        Assert.False(NetnsSandbox.Exists(lab.Netns("node-node-3")));
        var after = Placement(lab);
        Assert.NotEqual("node-3", after["zz"].Node);
        Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
        var again = lab.Exec("default/a1", "curl", "-s", "-m", "5", $"http://{after["zz"].IP}:8080/hostname");
        Assert.True(again.ExitCode == 0 && again.Stdout.Trim() == "zz", $"a1 -> zz after node-3 left: {again.Stdout} {again.Stderr}");
        // node-3's routes are gone from the nodes that stay.
        Assert.DoesNotContain("10.244.2.0/24", lab.InNetns("node-node-1", "ip", "route").Stdout);
        var status = JsonDocument.Parse(PodwireCli.Run("status", "--cluster", lab.Name, "-o", "json").Stdout).RootElement;
        Assert.Equal(("ready", 2), (status.GetProperty("phase").GetString(), status.GetProperty("nodes").GetInt32()));
    }

    [RootFact]
    public async Task ApplyTogetherRunInTurnAndBothLand()
    {
        using var lab = new TestLab(Write(Pods));
        var one = Task.Run(() => PodwireCli.Run("apply", "-f", Write(Pods, Newcomer), "--cluster", lab.Name));
        var two = Task.Run(() => PodwireCli.Run("apply", "-f", Write(Pods, Newcomer), "--cluster", lab.Name));
        var results = await Task.WhenAll(one, two);
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Stderr));
        // Exactly one of them added the pod; the other found nothing left to do.
        Assert.Single(results, r => r.Stdout.Contains("1 pods added"));
        Assert.Single(results, r => r.Stdout.Contains("0 pods added, 0 removed"));
        Assert.Equal(3, Placement(lab).Count);
    }
}
