namespace Podwire.Proxy.Tests;

/// <summary>
/// testdata/proxy/&lt;case&gt;/manifests.yaml → expected.nft (every node's table). Set
/// PODWIRE_UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change, then review the diff.
/// </summary>
public sealed class GoldenTests
{
    public static IEnumerable<object[]> Cases() => Corpus.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void RulesetMatchesGolden(string name)
    {
        var actual = Corpus.RenderAll(Corpus.LoadCase(name));
        var path = Path.Combine(Corpus.Dir, name, "expected.nft");
        if (Environment.GetEnvironmentVariable("PODWIRE_UPDATE_GOLDEN") == "1") File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"missing {path}");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RenderingIsDeterministic(string name)
    {
        var a = Corpus.RenderAll(Corpus.LoadCase(name));
        var b = Corpus.RenderAll(Corpus.LoadCase(name));
        Assert.Equal(a, b);
    }
}
