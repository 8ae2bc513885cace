namespace Podwire.Cli.Commands;

/// <summary>Exit codes shared by every command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A query failed (object not found, something changed in diff/verify).</summary>
    public const int Failed = 1;
    /// <summary>The input was invalid: bad flags or bad manifests. Nothing was done.</summary>
    public const int InvalidInput = 2;
}

/// <summary>A user-facing error: printed as one line on stderr, never with a stack trace.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.InvalidInput) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
