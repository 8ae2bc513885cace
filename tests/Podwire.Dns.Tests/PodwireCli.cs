using System.Diagnostics;

namespace Podwire.Dns.Tests;

/// <summary>Runs ./podwire from the repository root, as users and scripts do.</summary>
internal static class PodwireCli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static ProcessStartInfo Start(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(Fixture.Root, "podwire"))
        {
            WorkingDirectory = Fixture.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    public static Result Run(params string[] args)
    {
        using var p = Process.Start(Start(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(600_000)) { p.Kill(true); throw new TimeoutException("podwire did not finish"); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static int FreePort()
    {
        using var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)s.LocalEndPoint!).Port;
    }
}
