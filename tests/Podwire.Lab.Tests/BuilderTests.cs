using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Datapath.Kernel;
using Podwire.Lab.PodNetwork;
using Podwire.Lab.Topology;
using Podwire.Model;
using Podwire.Sources;

namespace Podwire.Lab.Tests;

/// <summary>
/// The builder against the in-memory kernel (no root): what a lab leaves in each namespace, how
/// nodes join and leave a running lab, and that a failing step changes nothing.
/// </summary>
public sealed class BuilderTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("pw-builder-");
    private readonly FakeKernel _kernel;
    private readonly FakeAttacher _attacher = new();

    public BuilderTests() => _kernel = new FakeKernel(Path.Combine(_root.FullName, "etc-netns"));

    public void Dispose() => _root.Delete(true);

    private LabPaths Paths => new("fake", Path.Combine(_root.FullName, "run"));

    private LabBuilder Builder(string backend) => new(_kernel, Paths, _attacher, PodNetworks.Get(backend));

    private static LabPlan Plan(int nodes, string backend = "flannel-vxlan", int pods = 4)
    {
        var yaml = string.Join("---\n", Enumerable.Range(0, pods).Select(i =>
            $"apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: default}}\nspec: {{containers: [{{name: c}}]}}\n"));
        var loaded = ClusterLoader.FromLoadResult(ManifestLoader.LoadTexts([("t.yaml", yaml)]), new ClusterOptions { GeneratedNodes = nodes, GeneratedNodesFixed = true });
        return LabPlan.Build(ControlPlane.Derive(loaded.Model!), new LabOptions("fake", backend), PodNetworks.Get(backend));
    }

    [Fact]
    public void BuildsEachNamespaceInOneTransactionAndAttachesEveryPod()
    {
        var builder = Builder("flannel-vxlan");
        var plan = Plan(3);
        builder.BuildNetwork(plan);

        // Namespaces in one go, then the underlay, then one script per node.
        Assert.Equal(["host: netns add 4", "pw-fake-underlay: script", "pw-fake-node-node-1: script", "pw-fake-node-node-2: script", "pw-fake-node-node-3: script"],
            _kernel.Transactions);
        var dump = _kernel.Dump();
        Assert.Contains("netns pw-fake-node-node-2\n  sysctl net/ipv4/ip_forward=1\n  link eth0\n  link flannel.1\n", dump);
        Assert.Contains("  fdb ", dump);
        Assert.NotNull(_kernel.Table("pw-fake-node-node-1", "ip podwire-masq"));
        Assert.Equal("10.244.1.0 dev flannel.1 onlink", _kernel.Routes("pw-fake-node-node-1")["10.244.1.0/24"].Replace("via ", ""));
        Assert.True(File.Exists(Paths.ConfList("node-1")));

        var (attached, failures) = builder.AddPods(plan, plan.Pods);
        Assert.Equal(4, attached.Count);
        Assert.Empty(failures);
        Assert.Equal(4, _attacher.Attached.Count);
        Assert.True(_kernel.NamespaceExists("pw-fake-pod-default.p0"));
        // /etc/netns is injectable: nothing is written on the host.
        Assert.True(File.Exists(Path.Combine(_root.FullName, "etc-netns", "pw-fake-pod-default.p0", "hosts")));
    }

    [Fact]
    public void AFailingKernelStepStopsTheBuildWithTheKernelsMessageAndChangesNothingInThatNamespace()
    {
        var builder = Builder("flannel-host-gw");
        _kernel.FailWhen = line => line.StartsWith("route replace 10.244.0.0/24", StringComparison.Ordinal) ? "RTNETLINK answers: Network is unreachable" : null;
        var e = Assert.Throws<DatapathException>(() => builder.BuildNetwork(Plan(2, "flannel-host-gw")));
        Assert.Contains("Network is unreachable", e.Message);
        Assert.Contains("pw-fake-node-node-2", e.Message);
        // node-2's script was one transaction: none of it took (no address, no sysctl), node-1's did.
        Assert.Contains("netns pw-fake-node-node-2\n  sysctl net/ipv4/ip_forward=0\n  link eth0\nnetns", _kernel.Dump());
        Assert.NotNull(_kernel.Table("pw-fake-node-node-1", "ip podwire-masq"));
        Assert.Null(_kernel.Table("pw-fake-node-node-2", "ip podwire-masq"));
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    public void ANodeJoinsAndLeavesARunningLabAndTheOthersLearnIt(string backend)
    {
        var builder = Builder(backend);
        var two = Plan(2, backend);
        builder.BuildNetwork(two);
        var before = _kernel.Dump();
        var three = Plan(3, backend);
        var joined = three.Nodes.Where(n => n.Name == "node-3").ToList();
        builder.AddNodes(three, joined);

        Assert.True(_kernel.NamespaceExists("pw-fake-node-node-3"));
        Assert.Contains("10.244.2.0/24", _kernel.Routes("pw-fake-node-node-1").Keys);
        Assert.Contains("10.244.0.0/24", _kernel.Routes("pw-fake-node-node-3").Keys);
        Assert.True(File.Exists(Paths.ConfList("node-3")));

        builder.RemoveNodes(two, joined);
        Assert.False(_kernel.NamespaceExists("pw-fake-node-node-3"));
        Assert.False(File.Exists(Paths.ConfList("node-3")));
        // Everything the node added is gone again: the other nodes and the underlay are as before.
        Assert.Equal(before, _kernel.Dump());
    }

    [Fact]
    public void PodsThatFailToAttachAreCleanedUpAndReported()
    {
        var builder = Builder("flannel-vxlan");
        var plan = Plan(2);
        builder.BuildNetwork(plan);
        _attacher.Fails = p => p.Name == "p1";
        var (attached, failures) = builder.AddPods(plan, plan.Pods);
        Assert.Equal(3, attached.Count);
        var failure = Assert.Single(failures);
        Assert.Contains("pod default/p1", failure);
        Assert.Contains("no addresses left", failure);
        Assert.False(_kernel.NamespaceExists("pw-fake-pod-default.p1"));
        Assert.True(_kernel.NamespaceExists("pw-fake-pod-default.p0"));
    }

    [Fact]
    public void TeardownRemovesEveryNamespaceAndFolderOfTheLabOnly()
    {
        Builder("flannel-vxlan").BuildNetwork(Plan(2));
        _kernel.CreateNamespaces(["pw-other-node-node-1"]);
        Directory.CreateDirectory(Paths.Root);
        Directory.CreateDirectory(Path.Combine(_kernel.EtcNetnsRoot, "pw-fake-pod-default.gone"));
        int n = LabBuilder.Teardown(_kernel, new LabNames("fake"), Paths, PodNetworks.Get("flannel-vxlan"));
        Assert.Equal(3, n);
        Assert.Equal(["pw-other-node-node-1"], _kernel.ListNamespaces("pw-"));
        Assert.False(Directory.Exists(Paths.Root));
        Assert.Empty(Directory.GetDirectories(_kernel.EtcNetnsRoot, "pw-fake-*"));
    }
}
