using Podwire.Controllers;
using Podwire.Lab.PodNetwork;
using Podwire.Lab.Topology;
using Podwire.Model;
using Podwire.Sources;

namespace Podwire.Lab.Tests;

/// <summary>
/// Golden tests of what the lab would run in each namespace (no kernel needed):
/// testdata/lab/&lt;backend&gt;.txt is the rendered underlay and node scripts for three nodes.
/// UPDATE_GOLDEN=1 rewrites them after an intended change.
/// </summary>
public class RendererTests
{
    private static LabPlan Plan(string backend, out IPodNetwork be)
    {
        var yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: default}
            spec: {nodeName: node-2, containers: [{name: c, ports: [{containerPort: 80}]}]}
            """;
        var loaded = ClusterLoader.FromLoadResult(ManifestLoader.LoadTexts([("t.yaml", yaml)]), new ClusterOptions { GeneratedNodes = 3 });
        Assert.True(loaded.Ok, string.Join("\n", loaded.Problems));
        be = PodNetworks.Get(backend);
        return LabPlan.Build(ControlPlane.Derive(loaded.Model!), new LabOptions("gold", backend), be);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    public void RenderedScriptsMatchGolden(string backend)
    {
        var plan = Plan(backend, out var be);
        var text = string.Concat(LabRenderer.CreateNamespaces(plan).Select(l => $"ip {l}\n")) + LabRenderer.Underlay(plan).Render() +
                   string.Concat(plan.Nodes.Select(n => LabRenderer.Node(plan, n, be).Render()));
        var path = Path.Combine(Repo.Root, "testdata", "lab", backend + ".txt");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1") File.WriteAllText(path, text);
        Assert.Equal(File.ReadAllText(path), text);
    }

    [Fact]
    public void VxlanPointsEveryRemotePodSubnetAtItsNodeAndLeavesItsOwnAlone()
    {
        var plan = Plan("flannel-vxlan", out var be);
        var n1 = LabRenderer.Node(plan, plan.Nodes[0], be);
        Assert.Contains(n1.Ip, l => l == "route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink");
        Assert.Contains(n1.Ip, l => l == "route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
        Assert.DoesNotContain(n1.Ip, l => l.StartsWith("route replace 10.244.0.0/24"));
        Assert.Contains(n1.Bridge, l => l.EndsWith("dst 172.18.0.3"));
        Assert.Equal(1450, plan.Nodes[0].PodMtu);
    }

    [Fact]
    public void VxlanLeavesOnlyItsOwnOuterPacketsUntracked()
    {
        var plan = Plan("flannel-vxlan", out var be);
        var n2 = LabRenderer.Node(plan, plan.Nodes[1], be);
        Assert.Contains(n2.Nft, l => l == "table ip podwire-vxlan {");
        Assert.Contains(n2.Nft, l => l.Trim() == "ip saddr 172.18.0.0/24 ip daddr 172.18.0.3 udp dport 8472 notrack");
        Assert.Contains(n2.Nft, l => l.Trim() == "ip saddr 172.18.0.3 ip daddr 172.18.0.0/24 udp dport 8472 notrack");
        // Pod packets inside the tunnel and everything else keep conntrack (proxy NAT, policy).
        Assert.Equal(2, n2.Nft.Count(l => l.Contains("notrack")));
        var hostGw = Plan("flannel-host-gw", out var hg);
        Assert.DoesNotContain(LabRenderer.Node(hostGw, hostGw.Nodes[1], hg).Nft, l => l.Contains("notrack"));
    }

    [Fact]
    public void HostGwRoutesViaUnderlayAddresses()
    {
        var plan = Plan("flannel-host-gw", out var be);
        var n2 = LabRenderer.Node(plan, plan.Nodes[1], be);
        Assert.Contains(n2.Ip, l => l == "route replace 10.244.0.0/24 via 172.18.0.2 dev eth0");
        Assert.Equal(1500, plan.Nodes[1].PodMtu);
    }

    [Fact]
    public void NamesFitTheKernelAndCarryTheLabPrefix()
    {
        var names = new LabNames("gold");
        Assert.True(names.UnderlayPort("a-very-long-node-name-indeed").Length <= 15);
        Assert.StartsWith("pw-gold-", names.PodNetns("ns", new string('x', 200)));
        Assert.True(names.PodNetns("ns", new string('x', 200)).Length < 64);
        Assert.Equal(LabNames.Mac("gold/vtep/node-1"), LabNames.Mac("gold/vtep/node-1"));
        Assert.Equal(0x02, Convert.ToByte(LabNames.Mac("x")[..2], 16) & 0x03);
    }

    [Fact]
    public void PlanKeepsTheAnalysedPodAddresses()
    {
        var plan = Plan("flannel-vxlan", out _);
        var pod = Assert.Single(plan.Pods);
        Assert.Equal("node-2", pod.Node);
        Assert.Equal("10.244.1.2", pod.IP);
        Assert.Equal("pw-gold-pod-default.p", pod.Netns);
    }
}
