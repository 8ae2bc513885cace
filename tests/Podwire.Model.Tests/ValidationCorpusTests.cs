using k8s;
using Podwire.Model;
using Podwire.Model.Validation;
using Podwire.Sources;

namespace Podwire.Model.Tests;

/// <summary>
/// Golden cases: testdata/invalid/&lt;case&gt;.yaml holds objects with mistakes, &lt;case&gt;.expected the
/// problems in emitted order, one "field: message" per line. Set PODWIRE_UPDATE_GOLDEN=1 to rewrite
/// the expected files after an intended change (then review the diff).
/// </summary>
public class ValidationCorpusTests
{
    private static readonly string Dir = Path.Combine(Repo.Root, "testdata", "invalid");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Dir, "*.yaml").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    /// <summary>Load, validate each object, then the cross-object checks: the order the CLI reports in.</summary>
    internal static List<string> Run(IEnumerable<string> paths, ClusterOptions? options = null)
    {
        options ??= new ClusterOptions();
        var loaded = ManifestLoader.Load(paths);
        var problems = new List<Problem>(loaded.Problems);
        var objects = new List<(IKubernetesObject, SourceLocation)>();
        foreach (var o in loaded.Objects)
        {
            if (o.Object is not IKubernetesObject k) continue;
            objects.Add((k, o.Location));
            ObjectValidator.Validate(k, new ProblemSink(problems, o.Location, ObjectKinds.RefOf(k)), options);
        }
        CrossObjectValidator.Validate(objects, problems, options);
        return problems.Select(p => $"{p.Field}: {p.Message}").ToList();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CaseReportsExactlyTheExpectedProblems(string name)
    {
        // Messages naming another object carry its file; keep the expected files independent of the checkout path.
        var actual = Run([Path.Combine(Dir, name + ".yaml")]).Select(l => l.Replace(Dir + Path.DirectorySeparatorChar, "", StringComparison.Ordinal)).ToList();
        var expectedPath = Path.Combine(Dir, name + ".expected");
        if (Environment.GetEnvironmentVariable("PODWIRE_UPDATE_GOLDEN") == "1")
            File.WriteAllLines(expectedPath, actual);
        var expected = File.ReadAllLines(expectedPath).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(expected); // every case in this folder is meant to be invalid
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void CorpusCoversEnoughCases() => Assert.True(Cases().Count >= 30);

    [Fact]
    public void EveryCaseHasAnExpectedFile()
    {
        foreach (var f in Directory.GetFiles(Dir, "*.yaml"))
            Assert.True(File.Exists(Path.ChangeExtension(f, ".expected")), f);
    }
}
