using System.Diagnostics;
using Podwire.Policy.Nftables;
using Podwire.Policy.Engine;

namespace Podwire.Policy.Tests;

/// <summary>
/// The nftables policy compiler: golden rulesets for representative e2e and ANP cases on the
/// lab's three-node e2e model (testdata/policy-nft/lab/cluster.yaml), and every ruleset of the
/// whole corpus accepted by the kernel (<c>nft -c -f</c> in a throwaway namespace, root only).
/// Set PODWIRE_UPDATE_GOLDEN=1 to rewrite the goldens after a deliberate change.
/// </summary>
public class NftablesTests
{
    private static readonly string[] Nodes = ["node-1", "node-2", "node-3"];

    public static TheoryData<string> GoldenCases() =>
    [
        "e2e/01-default-deny-ingress",
        "e2e/02-default-deny-all",
        "e2e/10-podselector-and-namespaceselector",
        "e2e/14-ports",
        "e2e/17-ingress-on-one-named-port",
        "e2e/19-egress-on-one-named-port",
        "e2e/35-except-clause-egress",
        "e2e/u2-ports-udp",
        "anp/2-pass-skips-anp-deny-banp-denies",
        "anp/3-pass-then-np-allows",
        "anp/6-anp-allow-overrides-np-isolation",
    ];

    /// <summary>Every case of the policy corpus that runs on the shared e2e model.</summary>
    public static IEnumerable<string> AllCases()
    {
        foreach (var area in new[] { "e2e", "anp" })
            foreach (var dir in Directory.GetDirectories(Fixtures.TestData("policy", area)).Order(StringComparer.Ordinal))
                if (!File.Exists(Path.Combine(dir, "cluster.yaml")))
                    yield return $"{area}/{Path.GetFileName(dir)}";
    }

    internal static PolicyEngine Engine(string caseName) =>
        PolicyEngine.Build(Fixtures.Load(Fixtures.TestData("policy-nft", "lab", "cluster.yaml"), Fixtures.TestData("policy", caseName, "policy.yaml")));

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void RulesetMatchesGolden(string caseName)
    {
        var engine = Engine(caseName);
        Assert.Empty(engine.Problems);
        var dir = Fixtures.TestData("policy-nft", caseName.Replace('/', '-'));
        bool update = Environment.GetEnvironmentVariable("PODWIRE_UPDATE_GOLDEN") == "1";
        foreach (var node in Nodes)
        {
            var text = NftPolicyCompiler.Render(engine.Ir, engine.Identities, node);
            var file = Path.Combine(dir, node + ".nft");
            if (update)
            {
                Directory.CreateDirectory(dir);
                File.WriteAllText(file, text);
            }
            Assert.True(File.Exists(file), $"missing golden {file} (run with PODWIRE_UPDATE_GOLDEN=1)");
            Assert.Equal(File.ReadAllText(file), text);
        }
    }

    [Fact]
    public void RenderingIsDeterministicAndStatefulFirst()
    {
        var a = NftPolicyCompiler.Render(Engine("e2e/02-default-deny-all").Ir, Engine("e2e/02-default-deny-all").Identities, "node-1");
        var engine = Engine("e2e/02-default-deny-all");
        Assert.Equal(a, NftPolicyCompiler.Render(engine.Ir, engine.Identities, "node-1"));
        var forward = a[a.IndexOf("chain forward", StringComparison.Ordinal)..];
        var lines = forward.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal("type filter hook forward priority filter; policy accept;", lines[1]);
        Assert.Equal("ct state established,related accept", lines[2]);
        Assert.Equal("ct state invalid drop", lines[3]);
        // All of x is on node-1 and isolated both ways: every local pod is in both subject maps.
        Assert.Contains("10.244.1.10 : jump egress-3", a);
        Assert.Contains("10.244.1.10 : jump ingress-3", a);
        // node-2 holds only y, which no policy isolates: no identity chains, empty maps.
        var other = NftPolicyCompiler.Render(engine.Ir, engine.Identities, "node-2");
        Assert.DoesNotContain("jump", other);
    }

    [Fact]
    public void TransactionReplacesTheTableInOneScript()
    {
        var t = NftPolicyCompiler.Transaction("table inet podwire-policy {\n}\n");
        Assert.Equal("table inet podwire-policy {}\ndelete table inet podwire-policy\ntable inet podwire-policy {\n}\n", t);
    }

    [RootFact]
    public void EveryRulesetOfTheCorpusLoadsInTheKernel()
    {
        using var ns = new TestNetns("nft");
        string netns = ns.Name;
        var dir = Directory.CreateTempSubdirectory("pw-nftcheck-").FullName;
        try
        {
            var failures = new List<string>();
            int n = 0;
            foreach (var c in AllCases())
            {
                var engine = Engine(c);
                foreach (var node in Nodes)
                {
                    var file = Path.Combine(dir, $"{c.Replace('/', '-')}-{node}.nft");
                    File.WriteAllText(file, NftPolicyCompiler.Transaction(NftPolicyCompiler.Render(engine.Ir, engine.Identities, node)));
                    var (code, err) = Run("ip", "netns", "exec", netns, "nft", "-c", "-f", file);
                    n++;
                    if (code != 0) failures.Add($"{c} {node}: {err}");
                }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.True(n >= 150, $"only {n} rulesets checked");
            // And one really loaded twice (the second time replacing the first), then listed back.
            var last = Path.Combine(dir, "e2e-35-except-clause-egress-node-1.nft");
            Assert.Equal(0, Run("ip", "netns", "exec", netns, "nft", "-f", last).Code);
            Assert.Equal(0, Run("ip", "netns", "exec", netns, "nft", "-f", last).Code);
            Assert.Equal(0, Run("ip", "netns", "exec", netns, "nft", "list", "table", "inet", "podwire-policy").Code);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static (int Code, string Err) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err.Result);
    }
}
