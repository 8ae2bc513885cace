using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>reach, matrix, explain, diff and lint, run in-process through Program.Run.</summary>
public class PolicyCommandTests
{
    private static readonly string E2e = Repo.PathOf("testdata", "policy", "e2e");
    private static readonly string Cluster = Path.Combine(E2e, "cluster.yaml");
    private static string Case(string name) => Path.Combine(E2e, name, "policy.yaml");
    private static readonly string LintFixture = Repo.PathOf("testdata", "golden", "policy-lint", "manifests.yaml");

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = Program.Run(args, o, e);
        return (exit, o.ToString(), e.ToString());
    }

    private static JsonElement Json(string s) => JsonDocument.Parse(s).RootElement;

    [Theory]
    [InlineData("01-default-deny-ingress", 57)]   // 81 minus the 24 non-self connections into x
    [InlineData("02-default-deny-all", 39)]       // x pods reach only themselves: 6*6 outside x + 3 self
    [InlineData("16-allow-all", 81)]
    public void MatrixCountsMatchTheE2eTruthTable(string caseName, int expected)
    {
        var (exit, stdout, stderr) = Run("matrix", "-f", Cluster, "-f", Case(caseName), "-o", "counts");
        Assert.True(exit == 0, stderr);
        var j = Json(stdout);
        Assert.Equal(9, j.GetProperty("pods").GetInt32());
        Assert.Equal(expected, j.GetProperty("allowed").GetProperty("80/TCP").GetInt32());
        Assert.Single(j.GetProperty("allowed").EnumerateObject());
        // The expected table in the case folder agrees: count its "." cells for 80/TCP.
        var table = File.ReadAllLines(Path.Combine(E2e, caseName, "expected.txt"));
        int start = Array.IndexOf(table, "80/TCP");
        int dots = table.Skip(start + 2).Take(9).Sum(l => l.Split('\t').Skip(1).Count(c => c == "."));
        Assert.Equal(expected, dots);
    }

    [Fact]
    public void MatrixJsonCoversEveryOrderedPairPerPortAndProtocol()
    {
        var (exit, stdout, _) = Run("matrix", "-f", Cluster, "-f", Case("01-default-deny-ingress"), "--ports", "80,81", "--protocols", "TCP,UDP", "-o", "json");
        Assert.Equal(0, exit);
        var cases = Json(stdout).GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(9 * 9 * 2 * 2, cases.Count);
        var c = cases.Single(x => x.GetProperty("from").GetString() == "y/a" && x.GetProperty("to").GetString() == "x/b"
            && x.GetProperty("port").GetInt32() == 81 && x.GetProperty("protocol").GetString() == "UDP");
        Assert.False(c.GetProperty("allowed").GetBoolean());
        Assert.Equal(5, c.EnumerateObject().Count());
    }

    [Fact]
    public void MatrixCsvHasOneLinePerCaseAndNamespaceFilter()
    {
        var (exit, stdout, _) = Run("matrix", "-f", Cluster, "-f", Case("01-default-deny-ingress"), "-n", "x", "-o", "csv");
        Assert.Equal(0, exit);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(9, lines.Length);
        Assert.Contains("x/a,x/b,80,TCP,false", lines);
        Assert.Contains("x/a,x/a,80,TCP,true", lines);
    }

    [Fact]
    public void MatrixTableMatchesTheE2eGrid()
    {
        var (exit, stdout, _) = Run("matrix", "-f", Cluster, "-f", Case("01-default-deny-ingress"));
        Assert.Equal(0, exit);
        Assert.StartsWith("80/TCP: 57 of 81 connections allowed", stdout);
        Assert.Contains("y  4  a  X X X  . . .  . . .", stdout);
        Assert.DoesNotContain("\u001b[", stdout);
    }

    [Fact]
    public void ReachJsonHasTheContractShape()
    {
        var (exit, stdout, stderr) = Run("reach", "-f", Cluster, "-f", Case("01-default-deny-ingress"), "--from", "y/a", "--to", "x/b", "--port", "80", "-o", "json");
        Assert.True(exit == 0, stderr);
        var j = Json(stdout);
        Assert.False(j.GetProperty("allowed").GetBoolean());
        Assert.True(j.GetProperty("egress").GetProperty("allowed").GetBoolean());
        Assert.Equal(0, j.GetProperty("egress").GetProperty("policies").GetArrayLength());
        Assert.False(j.GetProperty("ingress").GetProperty("allowed").GetBoolean());
        Assert.Equal(["x/deny-ingress"], j.GetProperty("ingress").GetProperty("policies").EnumerateArray().Select(p => p.GetString()!).ToArray());
        Assert.Contains("x/deny-ingress", j.GetProperty("reason").GetString());
    }

    [Fact]
    public void ReachNamesTheDecidingAdminPolicy()
    {
        var (exit, stdout, _) = Run("reach", "-f", Cluster, "-f", Repo.PathOf("testdata", "policy", "anp", "1-lower-priority-number-wins", "policy.yaml"),
            "--from", "y/a", "--to", "x/a", "--port", "80", "-o", "json");
        Assert.Equal(0, exit);
        var ingress = Json(stdout).GetProperty("ingress");
        Assert.True(ingress.GetProperty("allowed").GetBoolean());
        Assert.Equal("anp:allow-5", ingress.GetProperty("policies")[0].GetString());
        Assert.Equal("AdminNetworkPolicy", ingress.GetProperty("decidedBy").GetString());
    }

    [Fact]
    public void ReachRejectsUnknownPodAndBadProtocol()
    {
        var r = Run("reach", "-f", Cluster, "--from", "x/nope", "--to", "x/a", "--port", "80");
        Assert.Equal(1, r.Exit);
        Assert.Contains("pod \"x/nope\" not found", r.Err);
        r = Run("reach", "-f", Cluster, "--from", "x/a", "--to", "x/b", "--port", "80", "--protocol", "ICMP");
        Assert.Equal(2, r.Exit);
        Assert.Contains("--protocol", r.Err);
    }

    [Fact]
    public void AdminPolicyProblemsAreInputErrors()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"pw-policycli-bad-anp-{Environment.ProcessId}.yaml");
        File.WriteAllText(bad, """
            apiVersion: policy.networking.k8s.io/v1alpha1
            kind: AdminNetworkPolicy
            metadata:
              name: broken
            spec:
              priority: 2000
              subject:
                namespaces: {}
              ingress:
              - action: Maybe
                from:
                - namespaces: {}
            """);
        try
        {
            var r = Run("matrix", "-f", Cluster, "-f", bad, "-o", "counts");
            Assert.Equal(2, r.Exit);
            Assert.Equal("", r.Out);
            Assert.Contains("AdminNetworkPolicy broken: spec.priority: 2000 is out of range 0-1000", r.Err);
            Assert.Contains("spec.ingress[0].action", r.Err);
            Assert.Contains(":1: ", r.Err);
        }
        finally { File.Delete(bad); }
    }

    [Fact]
    public void DiffListsOpenedConnectionsAndExits1()
    {
        var r = Run("diff", "-f", Cluster, "-f", Case("15a-multiple-stacked-policies-before"),
            "--against", Cluster, "--against", Case("15b-multiple-stacked-policies-after"), "-o", "json");
        Assert.Equal(1, r.Exit);
        var j = Json(r.Out);
        Assert.True(j.GetProperty("changed").GetBoolean());
        Assert.Equal(0, j.GetProperty("closed").GetArrayLength());
        var opened = j.GetProperty("opened").EnumerateArray().Select(c => $"{c.GetProperty("from").GetString()}>{c.GetProperty("to").GetString()}").ToArray();
        Assert.Equal(["y/a>x/a", "y/b>x/a", "y/c>x/a"], opened);
    }

    [Fact]
    public void DiffClosedConnectionsAndNoChange()
    {
        var r = Run("diff", "-f", Cluster, "--against", Cluster, "--against", Case("01-default-deny-ingress"));
        Assert.Equal(1, r.Exit);
        Assert.Contains("24 connections change: 0 opened, 24 closed", r.Out);
        r = Run("diff", "-f", Cluster, "--against", Cluster);
        Assert.Equal(0, r.Exit);
        Assert.Equal("no connection changes\n", r.Out.Replace("\r\n", "\n"));
    }

    [Fact]
    public void DiffNoticesPodsInOnlyOneVersion()
    {
        var r = Run("diff", "-f", Cluster, "--against", LintFixture);
        Assert.Equal(0, r.Exit);
        Assert.Contains("notice: 11 pods are in only one version and not compared", r.Err);
    }

    [Fact]
    public void MatrixUnknownNamespaceFails()
    {
        var r = Run("matrix", "-f", Cluster, "-n", "nope");
        Assert.Equal(1, r.Exit);
        Assert.Contains("namespace \"nope\" not found", r.Err);
    }

    [Fact]
    public void LintFindsThePlantedMistakes()
    {
        var r = Run("lint", "-f", LintFixture);
        Assert.Equal(1, r.Exit);
        var lines = r.Out.Replace("\r\n", "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.StartsWith("warning: ", l));
        Assert.Equal(5, lines.Length);
        Assert.Contains(lines, l => l.Contains("NetworkPolicy app/typo: spec.podSelector (app=wbe) selects no pod"));
        Assert.Contains(lines, l => l.Contains("NetworkPolicy app/web-in: spec.ingress[0].from[0] matches no pod"));
        Assert.Contains(lines, l => l.Contains("spec.ingress[1].ports: named port https/TCP is defined by no selected pod"));
        Assert.Contains(lines, l => l.Contains("spec.ingress[3] is shadowed by spec.ingress[2]"));
        Assert.Contains(lines, l => l.Contains("spec.ingress[4].from[0].ipBlock 10.0.0.0/8 overlaps the pod network 10.244.0.0/16"));
        Assert.Matches(@"^warning: .*manifests\.yaml:\d+: NetworkPolicy ", lines[0]);
    }

    [Fact]
    public void LintIsOkOnACleanCluster()
    {
        var r = Run("lint", "-f", Cluster, "-f", Case("01-default-deny-ingress"));
        Assert.Equal(0, r.Exit);
        Assert.Equal("ok\n", r.Out.Replace("\r\n", "\n"));
    }

    [Fact]
    public void LintKnowsThePodsEveryClusterRuns()
    {
        // allow-dns (to kube-system k8s-app=kube-dns) and the ingress controller's namespace match
        // no pod in the manifests, but the cluster DNS and ingress pods exist in every lab.
        var r = Run("lint", "-f", Repo.PathOf("examples"));
        Assert.Equal("ok\n", r.Out.Replace("\r\n", "\n"));
        Assert.Equal(0, r.Exit);
    }

    [Fact]
    public void LintWarnsAboutAdminPriorityTies()
    {
        var tie = Path.Combine(Path.GetTempPath(), $"pw-policycli-tie-{Environment.ProcessId}.yaml");
        File.WriteAllText(tie, """
            apiVersion: policy.networking.k8s.io/v1alpha1
            kind: AdminNetworkPolicy
            metadata:
              name: one
            spec:
              priority: 7
              subject:
                namespaces: {matchLabels: {ns: x}}
              ingress:
              - action: Deny
                from:
                - namespaces: {}
            ---
            apiVersion: policy.networking.k8s.io/v1alpha1
            kind: AdminNetworkPolicy
            metadata:
              name: two
            spec:
              priority: 7
              subject:
                pods:
                  namespaceSelector: {}
                  podSelector: {matchLabels: {pod: a}}
              ingress:
              - action: Allow
                from:
                - namespaces: {}
            """);
        try
        {
            var r = Run("lint", "-f", Cluster, "-f", tie);
            Assert.Equal(1, r.Exit);
            Assert.Contains("AdminNetworkPolicy two: spec.priority 7 ties with AdminNetworkPolicy one and both select x/a", r.Out);
        }
        finally { File.Delete(tie); }
    }

    [Fact]
    public void ExplainSaysWhatIsolatesThePod()
    {
        var r = Run("explain", "-f", Cluster, "-f", Case("01-default-deny-ingress"), "x/a");
        Assert.Equal(0, r.Exit);
        Assert.Contains("Isolated for ingress by NetworkPolicy x/deny-ingress", r.Out);
        Assert.Contains("not isolated for egress: every connection allowed", r.Out);
        r = Run("explain", "-f", Repo.PathOf("examples"), "shop/web-mfp46dn6rg-6jwz9");
        Assert.Equal(0, r.Exit);
        Assert.Contains("shop/allow-web rule 0: allows from anywhere on TCP port http (8080)", r.Out);
        Assert.Contains("pods labelled k8s-app=kube-dns in namespace kube-system on UDP port 53", r.Out);
    }

    [Fact]
    public void ExplainNamesTheAdminPoliciesTheEngineAppliesToThePod()
    {
        // The subject is a namespace selector: pods of x are selected, pods of y are not (the engine's own matching).
        var anp = Repo.PathOf("testdata", "policy", "anp", "6-anp-allow-overrides-np-isolation", "policy.yaml");
        var x = Run("explain", "-f", Cluster, "-f", anp, "x/a");
        Assert.Equal(0, x.Exit);
        Assert.Contains("allow-y", x.Out);
        var y = Run("explain", "-f", Cluster, "-f", anp, "y/a");
        Assert.Equal(0, y.Exit);
        Assert.DoesNotContain("allow-y", y.Out);
    }

    [Theory]
    [InlineData("reach")]
    [InlineData("matrix")]
    [InlineData("explain")]
    [InlineData("diff")]
    [InlineData("lint")]
    public void HelpHasExamples(string command)
    {
        var r = Run(command, "--help");
        Assert.Equal(0, r.Exit);
        Assert.Contains("Examples:", r.Out);
        Assert.Contains($"podwire {command} -f", r.Out);
    }
}
