using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Datapath.Kernel;
using Podwire.Lab.Daemon;
using Podwire.Lab.PodNetwork;
using Podwire.Lab.Topology;
using Podwire.Model;
using Podwire.Sources;

namespace Podwire.Lab.Tests;

/// <summary>
/// How the daemon moves a running lab from one plan to the next, against the in-memory kernel:
/// nodes and pods in and out, what is left after a failed step, and going back to where it was.
/// </summary>
public sealed class ConvergenceTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("pw-converge-");
    private readonly FakeKernel _kernel;
    private readonly FakeAttacher _attacher = new();
    private readonly Workloads _workloads;
    private readonly AgentSupervisor _agents = new(TextWriter.Null);
    private readonly Convergence _lab;

    public ConvergenceTests()
    {
        _kernel = new FakeKernel(Path.Combine(_root.FullName, "etc"));
        var paths = new LabPaths("fake", Path.Combine(_root.FullName, "run"));
        var network = PodNetworks.Get("flannel-vxlan");
        _workloads = new Workloads(paths, "fake", TextWriter.Null, _ => { });
        var builder = new LabBuilder(_kernel, paths, _attacher, network);
        _lab = new Convergence(builder, network, _workloads, _agents, new AgentContext(_workloads.Processes, paths, TextWriter.Null), _ => { });
    }

    public void Dispose()
    {
        _workloads.Dispose();
        _agents.Dispose();
        _root.Delete(true);
    }

    // Pods without ports or commands: nothing for the probe server to open in a fake namespace.
    private static LabPlan Plan(int nodes, params string[] pods)
    {
        var yaml = string.Join("---\n", pods.Select(p =>
            $"apiVersion: v1\nkind: Pod\nmetadata: {{name: {p}, namespace: default}}\nspec: {{containers: [{{name: c}}]}}\n"));
        var loaded = ClusterLoader.FromLoadResult(ManifestLoader.LoadTexts([("t.yaml", yaml)]), new ClusterOptions { GeneratedNodes = nodes, GeneratedNodesFixed = true });
        return LabPlan.Build(ControlPlane.Derive(loaded.Model!), new LabOptions("fake", "flannel-vxlan"), PodNetworks.Get("flannel-vxlan"));
    }

    [Fact]
    public void FromNothingToAPlanAndOnlyTheDifferenceAfterwards()
    {
        var first = _lab.Converge(Plan(2, "a", "b", "c"));
        Assert.Equal((0, 2, 3), (first.PodsRemoved.Count, first.NodesJoined.Count, first.PodsAdded.Count));
        Assert.Equal(3, _attacher.Attached.Count);

        var again = _lab.Converge(Plan(2, "a", "b", "c"));
        Assert.True(again.Empty);

        var next = _lab.Converge(Plan(2, "a", "b"));
        Assert.Equal(["default/c"], next.PodsRemoved.Select(p => p.Key));
        Assert.Empty(next.PodsAdded);
        Assert.False(_kernel.NamespaceExists("pw-fake-pod-default.c"));
    }

    [Fact]
    public void ANodeJoinsWithItsRoutesAndLeavesTakingItsPodsWithIt()
    {
        _lab.Converge(Plan(2, "a", "b", "c", "d"));
        var three = Plan(3, "a", "b", "c", "d");
        var grow = _lab.Converge(three);
        Assert.Equal(["node-3"], grow.NodesJoined.Select(n => n.Name));
        Assert.Contains("10.244.2.0/24", _kernel.Routes("pw-fake-node-node-1").Keys);

        // Pods placed on node-3 go with it when it leaves; the others stay where they were.
        var onThree = _lab.Pods.Where(p => p.Node == "node-3").Select(p => p.Key).ToList();
        var shrink = _lab.Converge(Plan(2, "a", "b", "c", "d"));
        Assert.Equal(["node-3"], shrink.NodesLeft.Select(n => n.Name));
        // (Without the daemon's pins a re-derivation may move other pods too; those on node-3 must go.)
        Assert.All(onThree, k => Assert.Contains(k, shrink.PodsRemoved.Select(p => p.Key)));
        Assert.NotEmpty(onThree);
        Assert.False(_kernel.NamespaceExists("pw-fake-node-node-3"));
        Assert.DoesNotContain("10.244.2.0/24", _kernel.Routes("pw-fake-node-node-1").Keys);
        Assert.Equal(4, _lab.Pods.Count);
    }

    [Fact]
    public void AFailedStepSaysWhatFailedAndConvergingBackRestoresTheLabExactly()
    {
        var before = Plan(2, "a", "b");
        _lab.Converge(before);
        var kernelBefore = _kernel.Dump();
        var attachedBefore = _attacher.Attached.Order().ToList();

        _attacher.Fails = p => p.Name == "p-y";
        var e = Assert.Throws<ConvergenceException>(() => _lab.Converge(Plan(3, "a", "p-x", "p-y")));
        Assert.StartsWith("add pods: 1 of ", e.Message);
        Assert.Contains("default/p-y", e.Message);
        Assert.Contains("no addresses left", e.Message);
        Assert.Contains("still to do:", _lab.Describe(Plan(3, "a", "p-x", "p-y")));

        _attacher.Fails = _ => false;
        _lab.Converge(before);
        Assert.Equal(kernelBefore, _kernel.Dump());
        Assert.Equal(attachedBefore, _attacher.Attached.Order());
    }

    [Fact]
    public void AKernelRefusalDuringANodeJoinIsReportedAsThatStep()
    {
        _lab.Converge(Plan(2, "a"));
        _kernel.FailWhen = line => line.StartsWith("link add flannel.1", StringComparison.Ordinal) ? "RTNETLINK answers: Operation not supported" : null;
        var e = Assert.Throws<ConvergenceException>(() => _lab.Converge(Plan(3, "a")));
        Assert.StartsWith("add nodes: ", e.Message);
        Assert.Contains("Operation not supported", e.Message);
        Assert.Contains("pw-fake-node-node-3", e.Message);
    }

    [Fact]
    public void DeltaMatchesPodsByAddressNodeAndPorts()
    {
        var plan = Plan(2, "a", "b");
        var moved = plan with { Pods = [plan.Pods[0] with { IP = "10.244.0.99" }, plan.Pods[1]] };
        var d = LabDelta.Between(plan.Nodes, plan.Pods, moved);
        Assert.Equal(["default/a"], d.PodsRemoved.Select(p => p.Key));
        Assert.Equal(["default/a"], d.PodsAdded.Select(p => p.Key));
        Assert.Equal("1 pod(s) removed, 1 pod(s) added", d.ToString());
    }
}
