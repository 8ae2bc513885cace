namespace Podwire.TestKit;

/// <summary>What the machine offers the tests that touch the kernel or need outside programs.</summary>
public static class Machine
{
    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    /// <summary>Whether a program is on PATH (as a shell's <c>command -v</c> finds it).</summary>
    public static bool Has(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));

    /// <summary>Why a root-only test cannot run here, or null when it can.</summary>
    public static string? RootSkip(string why, string[] tools)
    {
        var missing = tools.Where(t => !Has(t)).ToArray();
        return (IsRoot, missing.Length) switch
        {
            (false, _) => "needs root on Linux: " + why,
            (true, 0) => null,
            _ => $"needs {string.Join(", ", missing)} on PATH (./run-tests installs it)",
        };
    }
}

// Root-only tests must show as skipped on a non-root machine, never as passed: the attribute sets
// Skip when they cannot run, so xUnit reports them (and the reason) instead of running a body that
// would have to return early.

/// <summary>A [Fact] that needs root on Linux (network namespaces, nftables, a lab); skipped otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    private readonly string why;
    private string[] tools = [];

    public RootFactAttribute(string why = "uses network namespaces and the real kernel")
    {
        this.why = why;
        Skip = Machine.RootSkip(why, []);
    }

    /// <summary>Programs the test runs besides ip and nft (chromium, dig…); a missing one skips it too.</summary>
    public string[] Tools { get => tools; set { tools = value; Skip = Machine.RootSkip(why, value); } }
}

/// <summary>A [Theory] that needs root on Linux; every case is skipped otherwise.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    private readonly string why;
    private string[] tools = [];

    public RootTheoryAttribute(string why = "uses network namespaces and the real kernel")
    {
        this.why = why;
        Skip = Machine.RootSkip(why, []);
    }

    /// <summary>Programs the test runs besides ip and nft; a missing one skips it too.</summary>
    public string[] Tools { get => tools; set { tools = value; Skip = Machine.RootSkip(why, value); } }
}

/// <summary>A [Fact] for Linux only (it runs Linux programs or reads /proc); skipped elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "needs Linux";
    }
}

/// <summary>A [Fact] run only when an environment variable is set (benchmarks and other opt-in runs).</summary>
public sealed class EnvFactAttribute : FactAttribute
{
    public EnvFactAttribute(string variable)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable))) Skip = $"set {variable} to run";
    }
}
