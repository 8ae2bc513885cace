using System.Diagnostics;

namespace Podwire.Cli.Tests;

/// <summary>Runs ./podwire (and other programs) from the repository root as a user would, capturing output and exit code.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    private static string FindRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "")
    {
        // From this source file, so builds with a separate --artifacts-path find the repo too.
        foreach (var start in new[] { Path.GetDirectoryName(thisFile)!, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Podwire.slnx"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result PodwireWithInput(string? stdin, params string[] args) => Start(Path.Combine(Root, "podwire"), args, stdin);

    /// <summary>Runs any program (ip, nft, curl, chromium…) from the repository root, output captured.</summary>
    public static Result Run(string file, params string[] args) => Start(file, args, null);

    private static Result Start(string file, string[] args, string? stdin)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(600_000)) { p.Kill(true); throw new TimeoutException($"{file} did not finish"); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Podwire(params string[] args) => PodwireWithInput(null, args);
}
