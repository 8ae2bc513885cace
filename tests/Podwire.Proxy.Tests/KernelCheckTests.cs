using System.Diagnostics;

namespace Podwire.Proxy.Tests;

/// <summary>
/// Every ruleset the compiler emits for the corpus must load into a real kernel: checked with
/// <c>nft -c -f</c> (the kernel validates the transaction, then it is aborted) inside a throwaway
/// namespace, and the incremental deltas applied for real on top of a loaded table. Root only.
/// </summary>
public sealed class KernelCheckTests
{
    private static bool IsRoot => Environment.IsPrivilegedProcess && OperatingSystem.IsLinux();

    public static IEnumerable<object[]> Cases() => Corpus.Cases();

    internal sealed class ThrowawayNetns : IDisposable
    {
        public string Name { get; } = "pw-t" + Guid.NewGuid().ToString("N")[..7] + "-proxy";
        public ThrowawayNetns() => Assert.Equal(0, Run("ip", ["netns", "add", Name]).Code);
        public (int Code, string Out, string Err) Nft(string script, bool check = false) =>
            Run("ip", check ? ["netns", "exec", Name, "nft", "-c", "-f", "-"] : ["netns", "exec", Name, "nft", "-f", "-"], script);
        public (int Code, string Out, string Err) Exec(params string[] args) => Run("ip", ["netns", "exec", Name, .. args]);
        public void Dispose() => Run("ip", ["netns", "del", Name]);
    }

    internal static (int Code, string Out, string Err) Run(string program, string[] args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, err.Result);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryNodeRulesetPassesNftCheck(string name)
    {
        if (!IsRoot) return;
        var cluster = Corpus.LoadCase(name);
        using var ns = new ThrowawayNetns();
        foreach (var node in cluster.Nodes)
        {
            var full = ProxyRenderer.RenderFull(ProxyCompiler.Compile(cluster, node.Name));
            var r = ns.Nft(full, check: true);
            Assert.True(r.Code == 0, $"{name}/{node.Name}: {r.Err}");
        }
    }

    [Fact]
    public void DeltasApplyOnTopOfALoadedTableAndReachTheFullState()
    {
        if (!IsRoot) return;
        var before = Corpus.LoadCase("clusterip");
        // One more endpoint for web, the empty Service gains one, sticky's affinity goes away.
        var text = File.ReadAllText(Path.Combine(Corpus.Dir, "clusterip", "manifests.yaml"))
            .Replace("selector: {app: nothing}", "selector: {app: web}")
            .Replace("  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n", "").Replace("sessionAffinity: ClientIP", "sessionAffinity: None") + Corpus.ThirdWebPod;
        var after = Corpus.LoadYaml(text);
        using var ns = new ThrowawayNetns();
        var a = ProxyCompiler.Compile(before, "node-1");
        var b = ProxyCompiler.Compile(after, "node-1");
        var load = ns.Nft(ProxyRenderer.RenderFull(a));
        Assert.True(load.Code == 0, load.Err);
        var delta = ProxyRenderer.RenderDelta(a, b);
        Assert.NotEqual("", delta);
        var apply = ns.Nft(delta);
        Assert.True(apply.Code == 0, apply.Err + "\n" + delta);

        // The kernel now holds exactly b: compare element counts per map with a fresh load of b.
        var viaDelta = Elements(ns);
        Assert.True(ns.Nft(ProxyRenderer.RenderFull(b)).Code == 0);
        Assert.Equal(Elements(ns), viaDelta);
        Assert.Equal(b.Backends.Count, viaDelta["backends"]);
    }

    /// <summary>Element count per map/set as the kernel lists them (JSON output).</summary>
    private static Dictionary<string, int> Elements(ThrowawayNetns ns)
    {
        var r = ns.Exec("nft", "-j", "list", "table", "ip", ProxyLayout.Table);
        Assert.Equal(0, r.Code);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Out);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in doc.RootElement.GetProperty("nftables").EnumerateArray())
            foreach (var kind in new[] { "map", "set" })
                if (item.TryGetProperty(kind, out var m))
                    counts[m.GetProperty("name").GetString()!] = m.TryGetProperty("elem", out var e) ? e.GetArrayLength() : 0;
        return counts;
    }
}
