namespace Podwire.Proxy.Tests;

/// <summary>The change tracker: full first, element deltas after, full again after a failure.</summary>
public sealed class SyncTests
{
    private static readonly string Base = File.ReadAllText(Path.Combine(Corpus.Dir, "clusterip", "manifests.yaml"));

    [Fact]
    public void AddingOneEndpointIsATinyElementDelta()
    {
        var a = ProxyCompiler.Compile(Corpus.LoadYaml(Base), "node-1");
        var b = ProxyCompiler.Compile(Corpus.LoadYaml(Base + Corpus.ThirdWebPod), "node-1");
        var delta = ProxyRenderer.RenderDelta(a, b);
        Assert.Equal(
            """
            add chain ip podwire-proxy lb-3
            add rule ip podwire-proxy lb-3 meta mark set numgen random mod 3
            add rule ip podwire-proxy lb-3 goto backend
            add chain ip podwire-proxy lb-3-a60
            add rule ip podwire-proxy lb-3-a60 meta mark set ip saddr . ip daddr . meta l4proto . th dport map @affinity ip daddr . meta l4proto . th dport . meta mark @backends update @affinity { ip saddr . ip daddr . meta l4proto . th dport timeout 60s : meta mark } goto backend
            add rule ip podwire-proxy lb-3-a60 meta mark set numgen random mod 3
            add rule ip podwire-proxy lb-3-a60 meta mark set ip daddr . meta l4proto . th dport . meta mark map @slots
            add rule ip podwire-proxy lb-3-a60 update @affinity { ip saddr . ip daddr . meta l4proto . th dport timeout 60s : meta mark }
            add rule ip podwire-proxy lb-3-a60 goto backend
            delete element ip podwire-proxy internal { 10.96.100.10 . tcp . 80, 10.96.100.10 . udp . 53, 10.96.100.11 . tcp . 80 }
            add element ip podwire-proxy backends { 10.96.100.10 . tcp . 80 . 2 : 10.244.0.3 . 8080, 10.96.100.10 . udp . 53 . 2 : 10.244.0.3 . 5353, 10.96.100.11 . tcp . 80 . 143969 : 10.244.0.3 . 8080 }
            add element ip podwire-proxy slots { 10.96.100.11 . tcp . 80 . 2 : 143969 }
            add element ip podwire-proxy internal { 10.96.100.10 . tcp . 80 : goto lb-3, 10.96.100.10 . udp . 53 : goto lb-3, 10.96.100.11 . tcp . 80 : goto lb-3-a60 }
            add element ip podwire-proxy hairpin { 10.244.0.3 . 10.244.0.3 }
            delete chain ip podwire-proxy lb-2
            delete chain ip podwire-proxy lb-2-a60

            """.ReplaceLineEndings("\n"), delta);
        Assert.Equal("", ProxyRenderer.RenderDelta(b, b));
    }

    [Fact]
    public void FirstSyncIsFullThenDeltasThenFullAfterAFailure()
    {
        var scripts = new List<string>();
        bool fail = false;
        var syncer = new ProxySyncer((node, script) => { scripts.Add(script); return fail && !script.StartsWith("add table") ? "nft: boom" : null; });
        var a = ProxyCompiler.Compile(Corpus.LoadYaml(Base), "node-1");
        var b = ProxyCompiler.Compile(Corpus.LoadYaml(Base + Corpus.ThirdWebPod), "node-1");

        var r1 = syncer.Sync("node-1", a);
        Assert.True(r1.Full && r1.Ok);
        Assert.StartsWith("add table ip podwire-proxy\ndelete table ip podwire-proxy\ntable ip podwire-proxy {", scripts[0]);

        var r2 = syncer.Sync("node-1", a);
        Assert.True(!r2.Full && r2.Ok && r2.ScriptBytes == 0);
        Assert.Single(scripts); // nothing changed: nothing sent

        fail = true;
        var r3 = syncer.Sync("node-1", b);
        Assert.True(r3.Full && r3.Ok);
        Assert.Contains("full resync", r3.Error);
        Assert.Equal(3, scripts.Count);
        Assert.StartsWith("add chain", scripts[1]);
        Assert.StartsWith("add table", scripts[2]);
        Assert.Same(b, syncer.Applied("node-1"));
    }
}
