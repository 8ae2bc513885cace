using System.CommandLine;
using System.Diagnostics;
using Podwire.Cli.Output;
using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Lab;
using Podwire.Lab.Daemon;
using Podwire.Lab.Probe;
using Podwire.Lab.Topology;
using Podwire.Model;
using Podwire.Policy.Nftables;
using Podwire.Policy.Engine;
using Podwire.Sources;

namespace Podwire.Cli.Commands;

/// <summary>
/// <c>podwire verify</c>: every ordered pod pair × port × protocol probed for real in the running
/// lab, compared with the analyzer. The analyzer reads the manifests, never the kernel's rules,
/// so agreement is evidence that the compiled rules do what the specification says.
/// </summary>
public static class VerifyCommand
{
    public static Command Create(CommandContext ctx)
    {
        var ports = PolicyFlags.PortsOption();
        var protocols = PolicyFlags.ProtocolsOption();
        var output = CliOptions.Output("table, json");
        var timeout = new Option<int>("--timeout") { Description = "Milliseconds to wait for each probe (default 1000).", DefaultValueFactory = _ => 1000 };
        var cmd = new Command("verify",
            "Probe every ordered pair of pods in the running lab (each pod to itself included) on each\n" +
            "port and protocol, for real and in parallel, from inside the source pod to the destination\n" +
            "pod's IP, and compare with what the analyzer predicts ('podwire matrix'). Prints the\n" +
            "mismatches and exits 1 if there is any. A connection refused counts as reached (policy\n" +
            "drops, it never rejects). SCTP is probed with an association's first packet: an INIT\n" +
            "from a raw socket, answered by INIT ACK or ABORT (the lab answers for the pods where the\n" +
            "kernel has no SCTP sockets). With -f the manifests must be what the lab runs.\n\n" +
            "  json  {\"cases\": [{\"from\", \"to\", \"port\", \"protocol\", \"expected\", \"observed\"}, ...], \"mismatches\": n}\n\n" +
            "Examples:\n  sudo ./podwire verify\n  sudo ./podwire verify --ports 80,81 --protocols TCP,UDP,SCTP -o json\n" +
            "  sudo ./podwire verify -f cluster.yaml -f policy.yaml --cluster e2e");
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(ports);
        cmd.Options.Add(protocols);
        cmd.Options.Add(CliOptions.Cluster);
        cmd.Options.Add(output);
        cmd.Options.Add(timeout);
        cmd.SetAction(pr =>
        {
            var format = pr.GetValue(output)!;
            CliOptions.CheckOutput(format, "table", "json");
            var portList = PolicyFlags.ParsePorts(pr.GetValue(ports)!);
            var protoList = PolicyFlags.ParseProtocols(pr.GetValue(protocols)!);
            int wait = pr.GetValue(timeout);
            if (wait < 10 || wait > 60_000) throw new CliException($"--timeout: Invalid value: \"{wait}\": must be between 10 and 60000 milliseconds");
            LabSelection.RequireRoot();
            var name = LabSelection.Resolve(pr.GetValue(CliOptions.Cluster));
            var paths = new LabPaths(name);
            if (LabDaemonProcess.DaemonPid(paths) is null) throw new CliException($"lab \"{name}\" is not running", ExitCodes.Failed);
            var state = LabState.Load(paths.StateFile);
            var (cluster, problems) = LabCluster.Load(state, paths.ManifestDir);
            if (cluster is null)
            {
                foreach (var p in problems) ctx.Err.WriteLine($"error: {p}");
                throw new CliException($"the manifests of lab \"{name}\" no longer load", ExitCodes.Failed);
            }
            var engine = PolicyFlags.Build(cluster, ctx.Err);
            var files = pr.GetValue(CliOptions.Files) ?? [];
            if (files.Length > 0) RequireSame(engine, LoadGiven(files, state, ctx.Err), name);

            var sw = Stopwatch.StartNew();
            var result = VerifyRun.Run(engine, new LabNames(name), portList, protoList, TimeSpan.FromMilliseconds(wait));
            if (format == "json") WriteJson(ctx.Out, result);
            else WriteTable(ctx.Out, result, name, sw.Elapsed);
            return result.Mismatches == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return cmd;
    }

    private static DerivedCluster LoadGiven(string[] files, LabState state, TextWriter err)
    {
        var (cluster, problems) = LabCluster.Load(state, files);
        if (cluster is null)
        {
            foreach (var p in problems) err.WriteLine($"error: {p}");
            throw new CliException($"{problems.Count} problem(s) found; nothing was done");
        }
        return cluster;
    }

    /// <summary>
    /// "What the lab runs" is its pods (name, address, node) and the policy compiled for each node:
    /// manifests that differ only in ways policy cannot see verify the same thing.
    /// </summary>
    private static void RequireSame(PolicyEngine lab, DerivedCluster given, string name)
    {
        var other = PolicyEngine.Build(given);
        string Pods(PolicyEngine e) => string.Join("\n", e.Identities.Pods.Where(p => !p.HostNetwork && p.PodIP is not null)
            .Select(p => $"{p.Key} {p.PodIP} {p.NodeName}").Order(StringComparer.Ordinal));
        string? diff = null;
        if (Pods(lab) != Pods(other)) diff = "the pods (names, addresses or nodes) differ";
        else
            foreach (var node in lab.Cluster.Nodes)
                if (NftPolicyCompiler.Render(lab.Ir, lab.Identities, node.Name) != NftPolicyCompiler.Render(other.Ir, other.Identities, node.Name))
                {
                    diff = $"the policies differ (node {node.Name} would get other rules)";
                    break;
                }
        if (diff is not null)
            throw new CliException($"the manifests given with -f are not what lab \"{name}\" runs: {diff}; apply them first with 'podwire apply -f … --cluster {name}', or run verify without -f", ExitCodes.Failed);
    }

    private static void WriteJson(TextWriter o, VerifyResult r) => JsonOut.Write(o, w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("cases");
        foreach (var c in r.Cases)
        {
            w.WriteStartObject();
            w.WriteString("from", c.From);
            w.WriteString("to", c.To);
            w.WriteNumber("port", c.Port);
            w.WriteString("protocol", c.Protocol.ToString());
            w.WriteBoolean("expected", c.Expected);
            w.WriteBoolean("observed", c.Observed);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("mismatches", r.Mismatches);
        w.WriteEndObject();
    });

    private static void WriteTable(TextWriter o, VerifyResult r, string name, TimeSpan elapsed)
    {
        var bad = r.Cases.Where(c => c.Mismatch).ToList();
        if (bad.Count > 0)
        {
            var t = new TableWriter("FROM", "TO", "PORT", "EXPECTED", "OBSERVED", "DETAIL");
            foreach (var c in bad)
                t.Add(c.From, c.To, $"{c.Port}/{c.Protocol}", c.Expected ? "allowed" : "denied", c.Observed ? "allowed" : "denied", c.Detail);
            t.Write(o);
            o.WriteLine();
        }
        o.WriteLine($"lab \"{name}\": {r.Cases.Count} cases probed in {elapsed.TotalSeconds:F1} s, {r.Mismatches} mismatch{(r.Mismatches == 1 ? "" : "es")} with the analyzer");
    }
}
