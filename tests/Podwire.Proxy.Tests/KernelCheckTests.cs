namespace Podwire.Proxy.Tests;

/// <summary>
/// Every ruleset the compiler emits for the corpus must load into a real kernel: checked with
/// <c>nft -c -f</c> (the kernel validates the transaction, then it is aborted) inside a throwaway
/// namespace, and the incremental deltas applied for real on top of a loaded table. Root only.
/// </summary>
public sealed class KernelCheckTests
{
    public static IEnumerable<object[]> Cases() => Corpus.Cases();

    [RootTheory]
    [MemberData(nameof(Cases))]
    public void EveryNodeRulesetPassesNftCheck(string name)
    {
        var cluster = Corpus.LoadCase(name);
        using var ns = new TestNetns("proxy");
        foreach (var node in cluster.Nodes)
        {
            var full = ProxyRenderer.RenderFull(ProxyCompiler.Compile(cluster, node.Name));
            var r = ns.Nft(full, check: true);
            Assert.True(r.ExitCode == 0, $"{name}/{node.Name}: {r.Stderr}");
        }
    }

    [RootFact]
    public void DeltasApplyOnTopOfALoadedTableAndReachTheFullState()
    {
        var before = Corpus.LoadCase("clusterip");
        // One more endpoint for web, the empty Service gains one, sticky's affinity goes away.
        var text = File.ReadAllText(Path.Combine(Corpus.Dir, "clusterip", "manifests.yaml"))
            .Replace("selector: {app: nothing}", "selector: {app: web}")
            .Replace("  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n", "").Replace("sessionAffinity: ClientIP", "sessionAffinity: None") + Corpus.ThirdWebPod;
        var after = Corpus.LoadYaml(text);
        using var ns = new TestNetns("proxy");
        var a = ProxyCompiler.Compile(before, "node-1");
        var b = ProxyCompiler.Compile(after, "node-1");
        var load = ns.Nft(ProxyRenderer.RenderFull(a));
        Assert.True(load.ExitCode == 0, load.Stderr);
        var delta = ProxyRenderer.RenderDelta(a, b);
        Assert.NotEqual("", delta);
        var apply = ns.Nft(delta);
        Assert.True(apply.ExitCode == 0, apply.Stderr + "\n" + delta);

        // The kernel now holds exactly b: compare element counts per map with a fresh load of b.
        var viaDelta = Elements(ns);
        Assert.True(ns.Nft(ProxyRenderer.RenderFull(b)).ExitCode == 0);
        Assert.Equal(Elements(ns), viaDelta);
        Assert.Equal(b.Backends.Count, viaDelta["backends"]);
    }

    /// <summary>Element count per map/set as the kernel lists them (JSON output).</summary>
    private static Dictionary<string, int> Elements(TestNetns ns)
    {
        var r = ns.Exec("nft", "-j", "list", "table", "ip", ProxyLayout.Table);
        Assert.Equal(0, r.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in doc.RootElement.GetProperty("nftables").EnumerateArray())
            foreach (var kind in new[] { "map", "set" })
                if (item.TryGetProperty(kind, out var m))
                    counts[m.GetProperty("name").GetString()!] = m.TryGetProperty("elem", out var e) ? e.GetArrayLength() : 0;
        return counts;
    }
}
