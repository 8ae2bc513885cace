using System.Text;
using Podwire.Controllers.Dns;

namespace Podwire.Semantics.Tests;

/// <summary>
/// testdata/dns/&lt;case&gt;/zone.txt holds every record of a fixture's zone (and its empty
/// non-terminals), sorted, one per line. Set PODWIRE_UPDATE_GOLDEN=1 to rewrite after an
/// intended change, then review the diff.
/// </summary>
public sealed class GoldenZoneTests
{
    public static TheoryData<string> Cases => new() { "spec-fixture", "spec-fixture-v6-kubernetes" };

    private static DnsZone ZoneFor(string name) => name switch
    {
        "spec-fixture" => DnsFixture.Zone(),
        _ => DnsFixture.Zone(v6Kubernetes: true),
    };

    public static string Dump(DnsZone zone)
    {
        var lines = new List<string>();
        foreach (var (name, node) in zone.Nodes)
        {
            if (node.IsEmptyNonTerminal) lines.Add($"{name} (empty non-terminal)");
            foreach (var r in node.Records) lines.Add($"{r.Name} {r.Ttl} IN {r.Type} {r.Data}");
        }
        lines.Sort(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var l in lines) sb.Append(l).Append('\n');
        return sb.ToString();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Zone_matches_golden(string name)
    {
        string path = Path.Combine(Repo.Root, "testdata", "dns", name, "zone.txt");
        string actual = Dump(ZoneFor(name));
        if (Environment.GetEnvironmentVariable("PODWIRE_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }
        Assert.True(File.Exists(path), $"missing golden file {path}");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }
}
