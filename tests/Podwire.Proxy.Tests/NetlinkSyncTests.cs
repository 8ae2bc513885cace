using Podwire.Datapath;

namespace Podwire.Proxy.Tests;

/// <summary>
/// The syncer's netlink path against fakes: what goes through nft text, what through element
/// batches, in which order, and the full resync after a failure.
/// </summary>
public sealed class NetlinkSyncTests
{
    private static readonly string Base = File.ReadAllText(Path.Combine(Corpus.Dir, "clusterip", "manifests.yaml"));

    private sealed class FakeKernel
    {
        public readonly List<string> Log = [];
        public readonly List<RecordingNftElements> Handles = [];
        public string ChainsListing = "";
        public string AffinityListing = "";
        public Func<NftElementBatch, string?>? Answer;
        public Func<string, string?>? ScriptAnswer;

        public CommandResult Nft(string node, IReadOnlyList<string> args, string? stdin)
        {
            Log.Add(args[0] == "-f" ? "nft -f: " + stdin : "nft " + string.Join(" ", args));
            if (args[0] == "list") return new CommandResult(0, args[1] == "map" ? AffinityListing : ChainsListing, "");
            var e = ScriptAnswer?.Invoke(stdin!);
            return e is null ? new CommandResult(0, "", "") : new CommandResult(1, "", e);
        }

        public INftElements Open(string node)
        {
            var h = new RecordingNftElements(b =>
            {
                Log.Add($"netlink: {b.Ops.Count} ops, {b.ElementCount} elements");
                return Answer?.Invoke(b);
            });
            Handles.Add(h);
            return h;
        }
    }

    [Fact]
    public void FullSyncIsSkeletonThenOneElementBatchThenStaleChainsGo()
    {
        var k = new FakeKernel
        {
            ChainsListing = "table ip podwire-proxy {\n\tchain services {\n\t}\n\tchain lb-7 {\n\t}\n\tchain lb-2 {\n\t}\n}\ntable inet other {\n\tchain lb-9 {\n\t}\n}\n",
        };
        var syncer = new ProxySyncer(k.Nft, k.Open);
        var a = ProxyCompiler.Compile(Corpus.LoadYaml(Base), "node-1");
        var r = syncer.Sync("node-1", a);
        Assert.True(r.Full && r.Ok, r.Error);
        Assert.Equal(a.ElementCount, r.NetlinkElements);
        Assert.Equal(4, k.Log.Count);
        Assert.StartsWith("nft -f: add table ip podwire-proxy\ntable ip podwire-proxy {\n  map internal {", k.Log[0]);
        Assert.DoesNotContain("delete table", k.Log[0]);
        Assert.DoesNotContain("elements", k.Log[0]);
        Assert.Contains("flush chain ip podwire-proxy lb-2\nadd rule ip podwire-proxy lb-2 meta mark set numgen random mod 2\n", k.Log[0]);
        Assert.Equal($"netlink: 13 ops, {a.ElementCount} elements", k.Log[1]); // 8 flushes, 5 non-empty maps and sets
        Assert.Equal("nft list chains ip", k.Log[2]);
        Assert.Equal("nft -f: delete chain ip podwire-proxy lb-7\n", k.Log[3]); // lb-2 is in use, lb-9 not ours
        var batch = k.Handles.Single().Batches.Single();
        Assert.Equal(8, batch.Ops.Count(o => o.Kind == NftSetOpKind.Flush));
        Assert.Same(a, syncer.Applied("node-1"));
    }

    [Fact]
    public void DeltaIsNewChainsThenOneBatchAndUnusedChainsGoLazily()
    {
        var k = new FakeKernel();
        var syncer = new ProxySyncer(k.Nft, k.Open);
        var tracker = new ProxyChangeTracker("node-1");
        var a = tracker.Update(Corpus.LoadYaml(Base)).State;
        Assert.True(syncer.Sync("node-1", a).Ok);
        k.Log.Clear();
        var u = tracker.Update(Corpus.LoadYaml(Base + Corpus.ThirdWebPod));
        var r = syncer.Sync("node-1", u.State, u.Touched);
        Assert.True(r.Ok && !r.Full, r.Error);
        Assert.Equal(2, k.Log.Count);
        Assert.StartsWith("nft -f: add chain ip podwire-proxy lb-3\nflush chain ip podwire-proxy lb-3\nadd rule ip podwire-proxy lb-3 ", k.Log[0]);
        Assert.Equal("netlink: 5 ops, 11 elements", k.Log[1]); // 3 verdict deletes; 3 backends, 1 slot, 3 verdicts, 1 hairpin added
        Assert.Single(k.Handles);
        var ops = k.Handles[0].Batches[^1].Ops.Select(o => $"{o.Kind} {o.Set} {o.Elements.Count}");
        Assert.Equal(["Delete internal 3", "Add backends 3", "Add slots 1", "Add internal 3", "Add hairpin 1"], ops);

        // Back again: lb-2 and lb-2-a60 were kept, so this is elements only.
        k.Log.Clear();
        var back = tracker.Update(Corpus.LoadYaml(Base));
        Assert.True(syncer.Sync("node-1", back.State, back.Touched).Ok);
        // web-3 left the affinity Service: its clients' entries are looked for (none here).
        Assert.Equal(["netlink: 5 ops, 11 elements", "nft list map ip podwire-proxy affinity"], k.Log);

        // The next nft call takes the unused chains (lb-3, lb-3-a60) with it.
        k.Log.Clear();
        var four = tracker.Update(Corpus.LoadYaml(Base + Corpus.ThirdWebPod + Corpus.ThirdWebPod.Replace("web-3", "web-4")));
        Assert.True(syncer.Sync("node-1", four.State, four.Touched).Ok);
        Assert.StartsWith("nft -f: delete chain ip podwire-proxy lb-3\ndelete chain ip podwire-proxy lb-3-a60\nadd chain ip podwire-proxy lb-4\n", k.Log[0]);
        Assert.Equal(ProxyRenderer.RenderTable(ProxyCompiler.Compile(Corpus.LoadYaml(Base + Corpus.ThirdWebPod + Corpus.ThirdWebPod.Replace("web-3", "web-4")), "node-1")),
            ProxyRenderer.RenderTable(syncer.Applied("node-1")!));

        // Nothing changed: nothing is sent.
        k.Log.Clear();
        Assert.True(syncer.Sync("node-1", tracker.Update(Corpus.LoadYaml(Base + Corpus.ThirdWebPod + Corpus.ThirdWebPod.Replace("web-3", "web-4"))).State).Ok);
        Assert.Empty(k.Log);
    }

    [Fact]
    public void AFailedBatchLeadsToAFullResyncOnAFreshHandle()
    {
        var k = new FakeKernel();
        var syncer = new ProxySyncer(k.Nft, k.Open);
        var a = ProxyCompiler.Compile(Corpus.LoadYaml(Base), "node-1");
        var b = ProxyCompiler.Compile(Corpus.LoadYaml(Base + Corpus.ThirdWebPod), "node-1");
        Assert.True(syncer.Sync("node-1", a).Ok);
        k.Answer = batch => batch.Ops[0].Kind == NftSetOpKind.Flush ? null : "nf_tables: delete element ip podwire-proxy internal: ENOENT (No such file or directory)";
        var r = syncer.Sync("node-1", b);
        Assert.True(r.Ok && r.Full);
        Assert.Contains("incremental sync failed (nf_tables: delete element ip podwire-proxy internal: ENOENT", r.Error);
        Assert.Equal(2, k.Handles.Count);
        Assert.True(k.Handles[0].Disposed);
        Assert.Same(b, syncer.Applied("node-1"));

        // A full sync that fails leaves the node unknown, so the next sync is full again.
        k.Answer = _ => "nf_tables: batch refused: ENOMEM (Cannot allocate memory)";
        var r2 = syncer.Sync("node-1", a);
        Assert.False(r2.Ok);
        Assert.Null(syncer.Applied("node-1"));
        k.Answer = null;
        Assert.True(syncer.Sync("node-1", a).Full);
    }

    [Fact]
    public void ASkeletonThatDoesNotFitReplacesTheTable()
    {
        var k = new FakeKernel { ScriptAnswer = script => script.StartsWith("add table ip podwire-proxy\ntable", StringComparison.Ordinal) ? "Error: Could not process rule: File exists" : null };
        var syncer = new ProxySyncer(k.Nft, k.Open);
        var r = syncer.Sync("node-1", ProxyCompiler.Compile(Corpus.LoadYaml(Base), "node-1"));
        Assert.True(r.Ok, r.Error);
        Assert.StartsWith("nft -f: add table ip podwire-proxy\ndelete table ip podwire-proxy\nadd table ip podwire-proxy\ntable ip podwire-proxy {", k.Log[1]);
    }

    [Fact]
    public void AnEndpointLeavingAnAffinityServiceTakesItsClientsAffinityEntriesWithIt()
    {
        var k = new FakeKernel();
        var syncer = new ProxySyncer(k.Nft, k.Open);
        var three = ProxyCompiler.Compile(Corpus.LoadYaml(Base + Corpus.ThirdWebPod), "node-1");
        var two = ProxyCompiler.Compile(Corpus.LoadYaml(Base), "node-1");
        Assert.True(syncer.Sync("node-1", three).Ok);
        // Two clients: one on web-3 (slot 143969 = 0x23261), which leaves; one on 10.244.0.2 (148413 = 0x243bd), which stays.
        k.AffinityListing = """
            table ip podwire-proxy {
            	map affinity {
            		type ipv4_addr . ipv4_addr . inet_proto . inet_service : mark
            		size 1048576
            		flags dynamic,timeout
            		elements = { 10.244.1.9 . 10.96.100.11 . tcp . 80 timeout 1m expires 52s10ms : 0x00023261,
            			     10.244.1.8 . 10.96.100.11 . tcp . 80 timeout 1m expires 59s996ms : 0x000243bd }
            	}
            }
            """;
        k.Log.Clear();
        Assert.True(syncer.Sync("node-1", two).Ok);
        Assert.Equal("nft list map ip podwire-proxy affinity", k.Log[^2]);
        Assert.Equal("nft -f: delete element ip podwire-proxy affinity { 10.244.1.9 . 10.96.100.11 . tcp . 80 }\n", k.Log[^1]);
        // Adding an endpoint removes no slot: no listing.
        k.Log.Clear();
        Assert.True(syncer.Sync("node-1", three).Ok);
        Assert.DoesNotContain(k.Log, l => l.Contains("affinity"));
    }
}
