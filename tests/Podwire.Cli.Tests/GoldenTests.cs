namespace Podwire.Cli.Tests;

/// <summary>
/// Golden-file tests: testdata/golden/&lt;case&gt;/ holds the manifests (or a <c>source</c> file naming a
/// folder of the repository), a <c>commands</c> file of "name: args" lines, and the expected
/// stdout of each in &lt;name&gt;.out. The CLI runs in-process. Set UPDATE_GOLDEN=1 to rewrite the
/// expected files after an intended change, then review the diff.
/// </summary>
public class GoldenTests
{
    private static readonly string GoldenRoot = Repo.PathOf("testdata", "golden");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var dir in Directory.GetDirectories(GoldenRoot).Order(StringComparer.Ordinal))
            foreach (var (name, _) in Commands(dir))
                data.Add(Path.GetFileName(dir), name);
        return data;
    }

    private static IEnumerable<(string Name, string Args)> Commands(string dir)
    {
        foreach (var line in File.ReadAllLines(Path.Combine(dir, "commands")))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int colon = line.IndexOf(':');
            yield return (line[..colon].Trim(), line[(colon + 1)..].Trim());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputMatches(string caseName, string command)
    {
        var dir = Path.Combine(GoldenRoot, caseName);
        var args = Commands(dir).Single(c => c.Name == command).Args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var sourceFile = Path.Combine(dir, "source");
        // Relative paths keep absolute checkout locations out of the expected output.
        var input = File.Exists(sourceFile)
            ? File.ReadAllText(sourceFile).Trim() + "/"
            : Path.GetRelativePath(Repo.Root, Path.Combine(dir, "manifests.yaml"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var cwd = Directory.GetCurrentDirectory();
        int exit;
        lock (typeof(GoldenTests))
        {
            Directory.SetCurrentDirectory(Repo.Root);
            try { exit = Program.Run([.. args, "-f", input], stdout, stderr); }
            finally { Directory.SetCurrentDirectory(cwd); }
        }
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var expectedPath = Path.Combine(dir, command + ".out");
        var actual = stdout.ToString().Replace("\r\n", "\n");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedPath, actual);
            return;
        }
        Assert.True(File.Exists(expectedPath), $"missing {expectedPath}; run with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(expectedPath).Replace("\r\n", "\n"), actual);
    }
}
