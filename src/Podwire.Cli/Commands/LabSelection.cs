using System.CommandLine;
using System.Diagnostics;
using Podwire.Lab;
using Podwire.Lab.Daemon;
using Podwire.Lab.Topology;

namespace Podwire.Cli.Commands;

/// <summary>Which lab a command talks to: the --cluster option, its checks, finding the running lab, and the root it needs.</summary>
public static class LabSelection
{
    public const string DefaultCluster = "lab";

    public static Option<string?> ClusterOption() => new("--cluster")
    {
        Description = $"Lab name (lowercase letters and digits, at most 12; default \"{DefaultCluster}\", or the only running lab).",
    };

    public static void RequireRoot()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
            throw new CliException("the lab builds real network namespaces and needs root on Linux (analysis commands work anywhere: try 'podwire demo' or 'podwire get pods -f examples/')", ExitCodes.Failed);
    }

    public static string Name(string? given)
    {
        var name = given ?? DefaultCluster;
        if (!LabNames.IsValidCluster(name))
            throw new CliException($"--cluster: Invalid value: \"{name}\": must be 1-12 lowercase letters and digits, starting with a letter");
        return name;
    }

    /// <summary>The lab to talk to: the one named, else "lab" if it exists, else the only one running.</summary>
    public static string Resolve(string? given)
    {
        if (given is not null) return Name(given);
        var root = new LabPaths(DefaultCluster).Root;
        if (Directory.Exists(root)) return DefaultCluster;
        var parent = Path.GetDirectoryName(root)!;
        var labs = Directory.Exists(parent) ? Directory.GetDirectories(parent).Select(Path.GetFileName).Where(n => n is not null).ToList() : [];
        return labs.Count switch
        {
            1 => labs[0]!,
            0 => throw new CliException("no lab is running (start one with 'podwire up -f DIR')", ExitCodes.Failed),
            _ => throw new CliException($"several labs are running ({string.Join(", ", labs)}): name one with --cluster", ExitCodes.InvalidInput),
        };
    }
}
