using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Lab.Topology;
using Podwire.Model;
using Podwire.Sources;

namespace Podwire.Lab.Tests;

/// <summary>The builder against a fake kernel: which commands it runs, in which namespace, in how many processes.</summary>
public class BuilderTests
{
    private sealed class NoAttacher : IPodAttacher
    {
        public List<string> Attached { get; } = [];
        public void Attach(LabPlan plan, NodePlan node, PodPlan pod) { lock (Attached) Attached.Add(pod.Key + "@" + node.Name); }
        public void Detach(LabPlan plan, NodePlan node, PodPlan pod) { }
        public void Reconcile(LabPlan plan, NodePlan node, IReadOnlyList<PodPlan> pods) { }
    }

    private static LabPlan Plan(int nodes)
    {
        var yaml = string.Join("---\n", Enumerable.Range(0, 4).Select(i =>
            $"apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: default}}\nspec: {{containers: [{{name: c}}]}}\n"));
        var loaded = ClusterLoader.FromLoadResult(ManifestLoader.LoadTexts([("t.yaml", yaml)]), new ClusterOptions { GeneratedNodes = nodes });
        return LabPlan.Build(ControlPlane.Derive(loaded.Model!), new LabOptions("fake", "flannel-vxlan"), 50);
    }

    [Fact]
    public void BuildsEachNamespaceInOneBatchAndAttachesEveryPod()
    {
        var runner = new RecordingRunner();
        var root = Directory.CreateTempSubdirectory("pw-builder-");
        try
        {
            var paths = new LabPaths("fake", root.FullName);
            var attacher = new NoAttacher();
            var builder = new LabBuilder(runner, paths, attacher);
            var plan = Plan(3);
            builder.BuildNetwork(plan, new Backends.FlannelVxlan());

            var ipBatches = runner.Calls.Where(c => c.Program == "ip" && c.Args.Contains("-batch")).ToList();
            // One for namespace creation, one for the underlay, one per node.
            Assert.Equal(1 + 1 + 3, ipBatches.Count);
            Assert.Equal("netns add pw-fake-underlay\nnetns add pw-fake-node-node-1\nnetns add pw-fake-node-node-2\nnetns add pw-fake-node-node-3\n", ipBatches[0].Stdin);
            Assert.Equal(["-n", "pw-fake-underlay", "-batch", "-"], ipBatches[1].Args);
            Assert.Contains(runner.Calls, c => c.Program == "bridge" && c.Args[1] == "pw-fake-node-node-2" && c.Stdin!.Contains("dst 172.18.0.2"));
            Assert.Equal(3, runner.Calls.Count(c => c.Args.Contains("nft") && c.Stdin!.Contains("masquerade")));
            Assert.Equal(3, runner.Calls.Count(c => c.Args.Contains("sysctl")));
            Assert.All(runner.Calls, c => Assert.True(c.Program is "ip" or "bridge"));
            Assert.True(File.Exists(paths.ConfList("node-1")));

            builder.AddPods(plan, plan.Pods);
            Assert.Equal(4, attacher.Attached.Count);
            Assert.Contains(runner.Calls, c => c.Stdin is { } s && s.Contains("netns add pw-fake-pod-default.p0"));
        }
        finally
        {
            root.Delete(true);
            foreach (var d in Directory.Exists("/etc/netns") ? Directory.GetDirectories("/etc/netns", "pw-fake-*") : []) Directory.Delete(d, true);
        }
    }

    [Fact]
    public void AFailingKernelCommandStopsTheBuildWithTheKernelsMessage()
    {
        var runner = new RecordingRunner((prog, args, stdin) =>
            args.Contains("pw-fake-underlay") ? new CommandResult(2, "", "RTNETLINK answers: File exists") : new CommandResult(0, "", ""));
        var root = Directory.CreateTempSubdirectory("pw-builder-");
        try
        {
            var builder = new LabBuilder(runner, new LabPaths("fake", root.FullName), new NoAttacher());
            var e = Assert.Throws<DatapathException>(() => builder.BuildNetwork(Plan(2), new Backends.FlannelHostGw()));
            Assert.Contains("File exists", e.Message);
            Assert.Contains("pw-fake-underlay", e.Message);
        }
        finally { root.Delete(true); }
    }
}
