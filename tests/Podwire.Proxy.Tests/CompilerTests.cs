namespace Podwire.Proxy.Tests;

/// <summary>The compiler's semantics, element by element (SPECS 2).</summary>
public sealed class CompilerTests
{
    private static ProxyState Node(string @case, string node) => ProxyCompiler.Compile(Corpus.LoadCase(@case), node);

    [Fact]
    public void ClusterIpSpreadsOverEveryReadyEndpointWithOneChainPerCount()
    {
        var s = Node("clusterip", "node-1");
        Assert.Equal("goto lb-2", s.Internal["10.96.100.10 . tcp . 80"]);
        Assert.Equal("goto lb-2", s.Internal["10.96.100.10 . udp . 53"]);
        Assert.Equal("10.244.0.2 . 8080", s.Backends["10.96.100.10 . tcp . 80 . 0"]);
        Assert.Equal("10.244.1.2 . 8080", s.Backends["10.96.100.10 . tcp . 80 . 1"]);
        Assert.Equal("10.244.1.2 . 5353", s.Backends["10.96.100.10 . udp . 53 . 1"]);
        Assert.False(s.Backends.ContainsKey("10.96.100.10 . tcp . 80 . 2"));
        Assert.DoesNotContain(s.External.Keys, k => k.StartsWith("10.96.100.10 "));
    }

    [Fact]
    public void NoEndpointsRejectsHeadlessAndExternalNameProduceNothing()
    {
        var s = Node("clusterip", "node-1");
        Assert.Contains("10.96.100.12 . tcp . 80", s.NoEndpoints);
        Assert.False(s.Internal.ContainsKey("10.96.100.12 . tcp . 80"));
        var all = ProxyRenderer.RenderTable(s);
        // Headless selects the same pods but has no VIP; ExternalName has no address at all.
        Assert.Equal(4, s.Internal.Count); // kubernetes, web tcp, web udp, sticky
    }

    [Fact]
    public void ClientIpAffinityUsesItsTimeout()
    {
        var s = Node("clusterip", "node-1");
        Assert.Equal("goto lb-2-a60", s.Internal["10.96.100.11 . tcp . 80"]);
        var chain = s.Chains["lb-2-a60"];
        Assert.Equal(
        [
            "meta mark set ip saddr . ip daddr . meta l4proto . th dport map @affinity ip daddr . meta l4proto . th dport . meta mark @backends update @affinity { ip saddr . ip daddr . meta l4proto . th dport timeout 60s : meta mark } goto backend",
            "meta mark set numgen random mod 2",
            "meta mark set ip daddr . meta l4proto . th dport . meta mark map @slots",
            "update @affinity { ip saddr . ip daddr . meta l4proto . th dport timeout 60s : meta mark }",
            "goto backend",
        ], chain.Rules().ToArray());
    }

    [Fact]
    public void AffinityKeysEndpointsBySlotsThatSurviveChangesAroundThem()
    {
        var s = Node("clusterip", "node-1");
        // backends: key . slot → endpoint; slots: key . bucket → slot. Nothing keyed by bucket in backends.
        Assert.Equal("10.244.0.2 . 8080", s.Backends["10.96.100.11 . tcp . 80 . 148413"]);
        Assert.Equal("148413", s.Slots["10.96.100.11 . tcp . 80 . 0"]);
        Assert.False(s.Backends.ContainsKey("10.96.100.11 . tcp . 80 . 0"));
        // A slot depends on the endpoint alone: removing another one, or adding one, leaves it.
        string[] before = ["10.244.0.1 . 8080", "10.244.0.2 . 8080", "10.244.0.3 . 8080"];
        var a = ProxyCompiler.Slots(before, 0);
        var b = ProxyCompiler.Slots(["10.244.0.2 . 8080", "10.244.0.3 . 8080", "10.244.0.9 . 8080"], 0);
        Assert.Equal(a[1], b[0]);
        Assert.Equal(a[2], b[1]);
        Assert.Equal(3, b.Distinct().Count());
        // External lists get their own slots (offset bit), disjoint from every bucket.
        var x = ProxyCompiler.Slots(before, ProxyLayout.ExternalOffset);
        Assert.All(x, v => Assert.Equal(ProxyLayout.SlotBase | ProxyLayout.ExternalOffset, v & ~ProxyLayout.SlotHashMask));
        Assert.All(a, v => Assert.True(v >= ProxyLayout.SlotBase && v < ProxyLayout.SlotBase + ProxyLayout.ExternalOffset));
    }

    [Fact]
    public void CollidingSlotsStayDistinct()
    {
        var many = Enumerable.Range(0, 5000).Select(i => $"10.{i / 250}.{i % 250}.1 . 80").ToArray();
        Assert.Equal(many.Length, ProxyCompiler.Slots(many, 0).Distinct().Count());
    }

    [Fact]
    public void ExternalTrafficPolicyClusterMasqueradesOnEveryNode()
    {
        foreach (var (node, ip) in new[] { ("node-1", "172.18.0.2"), ("node-2", "172.18.0.3") })
        {
            var s = Node("external", node);
            Assert.Equal("goto lbm-2", s.External[$"{ip} . tcp . 30080"]);
            Assert.Equal("goto lbm-2", s.Internal[$"{ip} . tcp . 30080"]);
            Assert.Equal("goto lbm-2", s.External["172.18.254.7 . tcp . 80"]);
            Assert.False(s.Internal.ContainsKey("172.18.0.9 . tcp . 30080"));
        }
    }

    [Fact]
    public void ExternalTrafficPolicyLocalUsesLocalEndpointsOrDropsAndServesHealth()
    {
        var n1 = Node("external", "node-1");
        var n2 = Node("external", "node-2");
        Assert.Equal("goto lbx-2", n1.External["172.18.255.1 . tcp . 80"]);
        Assert.Equal("10.244.0.2 . 8080", n1.Backends["172.18.255.1 . tcp . 80 . 65536"]);
        Assert.Equal("drop", n2.External["172.18.255.1 . tcp . 80"]);
        Assert.Equal("drop", n2.External["172.18.0.3 . tcp . 30081"]);
        // Pods and the node itself still reach every endpoint, without SNAT.
        Assert.Equal("goto lb-2", n2.Internal["172.18.255.1 . tcp . 80"]);
        Assert.Equal([new HealthCheck(32000, "default", "lb-local", 2)], n1.HealthChecks);
        Assert.Equal([new HealthCheck(32000, "default", "lb-local", 0)], n2.HealthChecks);
    }

    [Fact]
    public void InternalTrafficPolicyLocalDropsWithoutALocalEndpoint()
    {
        Assert.Equal("goto lb-1", Node("policies", "node-1").Internal["10.96.100.30 . tcp . 80"]);
        Assert.Equal("drop", Node("policies", "node-2").Internal["10.96.100.30 . tcp . 80"]);
    }

    [Fact]
    public void AllTerminatingFallsBackToServingTerminatingEndpoints()
    {
        var s = Node("policies", "node-1");
        Assert.Equal("goto lb-1", s.Internal["10.96.100.31 . tcp . 80"]);
        Assert.Equal("10.244.1.60 . 8080", s.Backends["10.96.100.31 . tcp . 80 . 0"]);
    }

    [Fact]
    public void LoadBalancerAndExternalIpsAreRoutedToANodeWithAnEndpoint()
    {
        var routes = ProxyCompiler.UnderlayRoutes(Corpus.LoadCase("external"));
        Assert.Equal([("172.18.254.7", "node-1"), ("172.18.255.1", "node-1")], routes);
    }

    [Fact]
    public void HairpinCoversEveryLocalPod()
    {
        var s = Node("clusterip", "node-2");
        Assert.Equal(["10.244.1.2 . 10.244.1.2"], s.Hairpin.Order().ToArray());
    }
}
