using System.CommandLine;
using System.CommandLine.Parsing;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Model.Net;
using Podwire.Sources;

namespace Podwire.Cli.Commands;

/// <summary>The cluster a query command works on: derived from -f manifests, or read from the running lab without -f.</summary>
public static class ClusterInput
{
    /// <summary>
    /// Loads, validates and derives the cluster; on bad input prints every problem to stderr and
    /// throws so the command exits 2 without doing anything else.
    /// </summary>
    public static DerivedCluster Load(ParseResult pr, TextWriter stderr)
    {
        var files = pr.GetValue(CliOptions.Files) ?? [];
        if (files.Length == 0)
            return LoadRunningLab(pr.CommandResult.Command.Options.Contains(CliOptions.Cluster) ? pr.GetValue(CliOptions.Cluster) : null, stderr);
        var loaded = ClusterLoader.Load(files, CliOptions.Options(pr));
        foreach (var n in loaded.Notices) stderr.WriteLine($"notice: {n}");
        if (!loaded.Ok)
        {
            foreach (var p in loaded.Problems) stderr.WriteLine($"error: {p}");
            throw new CliException($"{loaded.Problems.Count} problem{(loaded.Problems.Count == 1 ? "" : "s")} found; nothing was done");
        }
        return ControlPlane.Derive(loaded.Model!);
    }

    /// <summary>Without -f, commands read the running lab: its saved manifests and settings give the same cluster it built.</summary>
    private static DerivedCluster LoadRunningLab(string? labName, TextWriter stderr)
    {
        string name;
        try { name = LabSelection.Resolve(labName); }
        catch (CliException) when (labName is null)
        {
            throw new CliException("-f/--filename is required (name a manifest file or folder, or - for stdin), or start a lab with 'podwire up'");
        }
        if (!File.Exists(new Podwire.Lab.LabPaths(name).StateFile))
            throw new CliException($"lab \"{name}\" is not running", ExitCodes.Failed);
        var paths = new Podwire.Lab.LabPaths(name);
        var state = Podwire.Lab.Daemon.LabState.Load(paths.StateFile);
        var (cluster, problems) = Podwire.Lab.Daemon.LabCluster.Load(state, paths.ManifestDir);
        if (cluster is null)
        {
            foreach (var p in problems) stderr.WriteLine($"error: {p}");
            throw new CliException($"the manifests of lab \"{name}\" no longer load", ExitCodes.Failed);
        }
        cluster = Podwire.Lab.Daemon.IngressStatusStore.Apply(cluster, Podwire.Lab.Daemon.IngressStatusStore.Read(paths.IngressStatusFile));
        return Podwire.Lab.Daemon.LabCluster.Annotate(cluster, name);
    }
}
