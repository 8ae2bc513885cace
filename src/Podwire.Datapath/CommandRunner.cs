using System.Diagnostics;

namespace Podwire.Datapath;

/// <summary>What a finished command said: exit code and both streams.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
}

/// <summary>
/// The boundary to every external program the datapath uses (ip, nft, sysctl…). Unit tests use
/// <see cref="RecordingRunner"/>; the lab uses <see cref="ProcessRunner"/>.
/// </summary>
public interface ICommandRunner
{
    CommandResult Run(string program, IReadOnlyList<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? env = null);
}

public sealed class ProcessRunner : ICommandRunner
{
    public static readonly ProcessRunner Instance = new();

    public CommandResult Run(string program, IReadOnlyList<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new DatapathException($"cannot start {program}");
        var err = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            // A program may exit without reading all of its input (it failed early, or needed
            // only part of it): the write then fails with EPIPE. Its exit code and output say
            // what happened; the broken pipe is not the caller's error.
            try
            {
                p.StandardInput.Write(stdin);
                p.StandardInput.Close();
            }
            catch (IOException)
            {
                try { p.StandardInput.Dispose(); } catch (IOException) { }
            }
        }
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return new CommandResult(p.ExitCode, stdout, err.Result);
    }
}

/// <summary>A fake runner for unit tests: records every call and answers from a script.</summary>
public sealed class RecordingRunner(Func<string, IReadOnlyList<string>, string?, CommandResult>? answer = null) : ICommandRunner
{
    public List<(string Program, string[] Args, string? Stdin)> Calls { get; } = [];

    public CommandResult Run(string program, IReadOnlyList<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? env = null)
    {
        lock (Calls) Calls.Add((program, args.ToArray(), stdin));
        return answer?.Invoke(program, args, stdin) ?? new CommandResult(0, "", "");
    }
}

/// <summary>A kernel operation failed; the message says which command and what the kernel answered.</summary>
public sealed class DatapathException(string message) : Exception(message);
