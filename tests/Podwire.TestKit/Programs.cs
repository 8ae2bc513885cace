using System.Diagnostics;

namespace Podwire.TestKit;

/// <summary>What a program did: its exit code and everything it wrote.</summary>
public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
}

/// <summary>Runs programs (ip, nft, curl, python3, chromium…) from the repository root, output captured.</summary>
public static class Programs
{
    /// <summary>Long enough for a lab's <c>up</c> on a loaded two-core CI machine; a hang still ends the test.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    public static RunResult Run(string file, params string[] args) => Run(file, args, stdin: null);

    public static RunResult Run(string file, IEnumerable<string> args, string? stdin, TimeSpan? timeout = null)
    {
        var psi = StartInfo(file, args);
        psi.RedirectStandardInput = true;
        using var p = Process.Start(psi)!;
        // Both pipes are drained while the input is written, so a large answer cannot block the child.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { } // the program exited without reading its input: its own result counts
        var limit = timeout ?? DefaultTimeout;
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {limit}");
        }
        return new RunResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>As <see cref="Run(string, IEnumerable{string}, string?, TimeSpan?)"/>, for async tests (servers in the same process keep running).</summary>
    public static async Task<RunResult> RunAsync(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = StartInfo(file, args);
        psi.RedirectStandardInput = true;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { }
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {limit}");
        }
        return new RunResult(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>A start info with output redirected, run from the repository root, for tests that keep the process.</summary>
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }
}

/// <summary>Runs <c>./podwire</c> from the repository root as users and scripts do.</summary>
public static class PodwireCli
{
    public static string Path => Repo.PathOf("podwire");

    public static RunResult Run(params string[] args) => Programs.Run(Path, args, stdin: null);

    public static RunResult RunWithInput(string? stdin, params string[] args) => Programs.Run(Path, args, stdin);

    public static RunResult RunWithTimeout(TimeSpan timeout, params string[] args) => Programs.Run(Path, args, stdin: null, timeout);

    /// <summary>For a long-running command (port-forward, dns serve) the test stops itself.</summary>
    public static ProcessStartInfo StartInfo(params string[] args) => Programs.StartInfo(Path, args);
}

/// <summary>Loopback helpers for tests that start servers.</summary>
public static class Loopback
{
    /// <summary>A TCP port on 127.0.0.1 free a moment ago (the kernel's choice, released for the test to bind).</summary>
    public static int FreePort()
    {
        using var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)s.LocalEndPoint!).Port;
    }
}
