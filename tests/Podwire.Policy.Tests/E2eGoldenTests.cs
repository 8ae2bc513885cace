using Podwire.Model;
using Podwire.Policy.Engine;
using Podwire.Policy.Naive;

namespace Podwire.Policy.Tests;

/// <summary>
/// The upstream e2e suite (SPECS 1.3) as golden files: testdata/policy/e2e/&lt;case&gt;/policy.yaml
/// against the x/y/z × a/b/c model, with the expected truth table per probe in expected.txt.
/// </summary>
public class E2eGoldenTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Fixtures.TestData("policy", "e2e")).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Fact]
    public void AllUpstreamCasesArePresent()
    {
        var names = Directory.GetDirectories(Fixtures.TestData("policy", "e2e")).Select(d => Path.GetFileName(d)!).ToList();
        for (int i = 1; i <= 42; i++)
            Assert.Contains(names, n => n.StartsWith($"{i:00}", StringComparison.Ordinal));
        foreach (var g in new[] { "u1", "u2", "u3", "s1", "s2", "s3" })
            Assert.Contains(names, n => n.StartsWith(g, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTruthTable(string caseName)
    {
        var dir = Fixtures.TestData("policy", "e2e", caseName);
        var own = Path.Combine(dir, "cluster.yaml");
        GoldenRunner.Check(dir, File.Exists(own) ? own : Fixtures.TestData("policy", "e2e", "cluster.yaml"));
    }
}

/// <summary>Checks one golden case: the fast engine (matrix, counts, reach) and the naive evaluator against expected.txt.</summary>
internal static class GoldenRunner
{
    public static (Podwire.Controllers.DerivedCluster Cluster, PolicyEngine Engine) Check(string dir, string clusterFile)
    {
        var cluster = Fixtures.Load(clusterFile, Path.Combine(dir, "policy.yaml"));
        var engine = PolicyEngine.Build(cluster);
        var naive = NaiveEvaluator.Build(cluster);
        Assert.True(engine.Problems.Count == 0, string.Join("\n", engine.Problems));

        var tables = TruthTable.Parse(File.ReadAllText(Path.Combine(dir, "expected.txt")));
        Assert.NotEmpty(tables);
        foreach (var t in tables)
        {
            var cells = engine.Matrix(t.Port, t.Protocol);
            var actual = new Dictionary<(string, string), bool>();
            foreach (var c in cells) actual[(c.From.Key, c.To.Key)] = c.Allowed;
            var mismatches = new List<string>();
            long expectedAllowed = 0;
            foreach (var ((from, to), want) in t.Cells)
            {
                if (want) expectedAllowed++;
                var src = cluster.FindPod(from.Split('/')[0], from.Split('/')[1])!;
                var dst = cluster.FindPod(to.Split('/')[0], to.Split('/')[1])!;
                var v = engine.Reach(NetEndpoint.Of(src), NetEndpoint.Of(dst), t.Port, t.Protocol);
                var n = naive.Reach(NetEndpoint.Of(src), NetEndpoint.Of(dst), t.Port, t.Protocol);
                if (actual[(from, to)] != want) mismatches.Add($"matrix {from}->{to} {t.Port}/{t.Protocol}: expected {want}");
                if (v.Allowed != want) mismatches.Add($"reach {from}->{to} {t.Port}/{t.Protocol}: expected {want}: {v.Reason}");
                if (n.Allowed != want) mismatches.Add($"naive {from}->{to} {t.Port}/{t.Protocol}: expected {want}");
            }
            Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
            Assert.Equal(t.Cells.Count, cells.Count);
            var counts = engine.MatrixCounts(t.Port, t.Protocol);
            Assert.Equal(new MatrixCount(9, 81, expectedAllowed), counts);
        }
        return (cluster, engine);
    }
}

/// <summary>One probe's expected table in the e2e notation ('.' connected, 'X' blocked; rows from, columns to).</summary>
internal sealed record TruthTable(int Port, Protocol Protocol, IReadOnlyDictionary<(string From, string To), bool> Cells)
{
    public static List<TruthTable> Parse(string text)
    {
        var tables = new List<TruthTable>();
        var blocks = text.Replace("\r", "").Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        foreach (var block in blocks)
        {
            var lines = block.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var probe = lines[0].Split('/');
            var cols = lines[1].Split('\t')[1..];
            var cells = new Dictionary<(string, string), bool>();
            foreach (var row in lines[2..])
            {
                var parts = row.Split('\t');
                for (int i = 0; i < cols.Length; i++)
                    cells[(parts[0], cols[i])] = parts[i + 1] switch
                    {
                        "." => true,
                        "X" => false,
                        var other => throw new FormatException($"bad cell '{other}'"),
                    };
            }
            tables.Add(new TruthTable(int.Parse(probe[0]), Enum.Parse<Protocol>(probe[1]), cells));
        }
        return tables;
    }
}
