using System.Diagnostics;
using Podwire.Model;
using Podwire.Policy.Engine;
using Podwire.Policy.Naive;
using Xunit.Abstractions;

namespace Podwire.Policy.Tests;

public class ScaleTests(ITestOutputHelper output)
{
    [Fact]
    public void SmallGeneratedClusterCountsMatchNaive()
    {
        var cluster = ScaleClusterGenerator.Generate(pods: 240, namespaces: 20, policies: 80, nodes: 5);
        var engine = PolicyEngine.Build(cluster);
        var naive = NaiveEvaluator.Build(cluster);
        foreach (var (port, proto) in new[] { (80, Protocol.TCP), (8080, Protocol.TCP), (53, Protocol.UDP), (443, Protocol.TCP) })
        {
            long allowed = 0;
            foreach (var a in cluster.Pods)
                foreach (var b in cluster.Pods)
                    if (naive.Reach(NetEndpoint.Of(a), NetEndpoint.Of(b), port, proto).Allowed) allowed++;
            var counts = engine.MatrixCounts(port, proto);
            Assert.Equal(new MatrixCount(240, 240 * 240, allowed), counts);
            // Policies must actually bite, or the comparison proves little.
            Assert.InRange(allowed, 1, 240L * 240 - 1);
        }
    }

    /// <summary>
    /// The benchmark of issue 3 (not a test): set PODWIRE_POLICY_BENCH=10000 (or 150000) and run
    /// <c>dotnet test tests/Podwire.Policy.Tests -c Release --filter Benchmark --logger "console;verbosity=detailed"</c>.
    /// PODWIRE_POLICY_BENCH_STAGES=1 adds a per-stage breakdown (cold, then warm). Figures here
    /// include JIT time; bench/Podwire.Bench's `policy` mode published with NativeAOT measures
    /// what the CLI does, from YAML.
    /// </summary>
    [EnvFact("PODWIRE_POLICY_BENCH")]
    public void Benchmark()
    {
        int pods = int.Parse(Environment.GetEnvironmentVariable("PODWIRE_POLICY_BENCH")!, System.Globalization.CultureInfo.InvariantCulture);
        var sw = Stopwatch.StartNew();
        var cluster = ScaleClusterGenerator.Generate(pods, namespaces: pods / 10, policies: pods);
        if (pods >= 100_000) cluster = ScaleClusterGenerator.Generate(pods, namespaces: pods / 10, policies: pods / 10);
        var gen = sw.Elapsed;
        if (Environment.GetEnvironmentVariable("PODWIRE_POLICY_BENCH_STAGES") is not null) Stages(cluster);
        sw.Restart();
        var engine = PolicyEngine.Build(cluster);
        var build = sw.Elapsed;
        sw.Restart();
        var counts = engine.MatrixCounts(80, Protocol.TCP);
        var count = sw.Elapsed;
        sw.Restart();
        var counts2 = engine.MatrixCounts(8080, Protocol.TCP);
        var count2 = sw.Elapsed;
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        output.WriteLine($"pods {pods} namespaces {cluster.Namespaces.Count} policies {cluster.Input.NetworkPolicies.Count} identities {engine.Identities.Capacity - 3}");
        output.WriteLine($"generate {gen.TotalSeconds:F2}s, build engine {build.TotalSeconds:F2}s, counts 80/TCP {count.TotalSeconds:F2}s ({counts.Allowed} of {counts.Pairs}), 8080/TCP {count2.TotalSeconds:F2}s ({counts2.Allowed}), peak working set {peak / 1048576} MiB");

        // Naive evaluator on a sample of pairs, to report the fast/naive ratio per pair.
        var naive = NaiveEvaluator.Build(cluster);
        var rnd = new Random(1);
        sw.Restart();
        int sample = 200;
        for (int i = 0; i < sample; i++)
            naive.Reach(NetEndpoint.Of(cluster.Pods[rnd.Next(pods)]), NetEndpoint.Of(cluster.Pods[rnd.Next(pods)]), 80, Protocol.TCP);
        var perPair = sw.Elapsed.TotalSeconds / sample;
        output.WriteLine($"naive: {perPair * 1e6:F0} µs per pair → all {counts.Pairs} pairs ≈ {perPair * counts.Pairs:F0}s; fast/naive ≈ 1:{perPair * counts.Pairs / (build + count).TotalSeconds:F0}");
    }

    /// <summary>Where build time goes, stage by stage (a second, warmed run is printed too).</summary>
    private void Stages(Podwire.Controllers.DerivedCluster cluster)
    {
        for (int run = 0; run < 2; run++)
        {
            var sw = Stopwatch.StartNew();
            var admin = Podwire.Policy.Admin.AdminPolicyReader.ReadAll(cluster.Input.Other, []);
            var tAdmin = sw.Elapsed.TotalMilliseconds; sw.Restart();
            var ids = Podwire.Policy.Identity.IdentityTable.Build(cluster);
            var tIds = sw.Elapsed.TotalMilliseconds; sw.Restart();
            Podwire.Policy.Ir.IrBuilder.Build(cluster, ids, admin);
            var tIr = sw.Elapsed.TotalMilliseconds; sw.Restart();
            var engine = PolicyEngine.Build(cluster);
            var tAll = sw.Elapsed.TotalMilliseconds; sw.Restart();
            var m = new MatrixEvaluator(engine);
            var tEval = sw.Elapsed.TotalMilliseconds; sw.Restart();
            m.Count(80, Protocol.TCP);
            var tCount = sw.Elapsed.TotalMilliseconds;
            output.WriteLine($"stages run {run}: admin {tAdmin:F0} ms, identities {tIds:F0} ms, ir {tIr:F0} ms, whole build {tAll:F0} ms, evaluator layout {tEval:F0} ms, count {tCount:F0} ms");
        }
    }
}
