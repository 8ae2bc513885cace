namespace Podwire.TestKit;

/// <summary>The repository checkout the tests run from: testdata, examples and ./podwire live here.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>A path inside the repository, e.g. <c>Repo.PathOf("testdata", "golden")</c>.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "")
    {
        // From this source file first: builds with a separate --artifacts-path put the binaries
        // outside the tree. The binaries' folder is the fallback for a moved checkout.
        foreach (var start in new[] { Path.GetDirectoryName(thisFile) ?? "", AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null && d.Exists; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Podwire.slnx"))) return d.FullName;
        throw new InvalidOperationException("repository root (Podwire.slnx) not found above " + thisFile);
    }
}
