using System.CommandLine;
using Podwire.Cli.Output;
using Podwire.Model;
using Podwire.Policy.Engine;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire matrix</c>: the verdict for every ordered pod pair, per port and protocol.</summary>
public static class MatrixCommand
{
    public static Command Create(CommandContext ctx)
    {
        var ports = PolicyFlags.PortsOption();
        var protocols = PolicyFlags.ProtocolsOption();
        var ns = new Option<string?>("--namespace", "-n") { Description = "List only pods of this namespace (at both ends); policies everywhere still apply." };
        var output = CliOptions.Output("table, json, counts, csv");
        var cmd = new Command("matrix",
            "Decide every ordered pair of pods (each pod to itself included) for each port and protocol.\n\n" +
            "  table   per port/protocol a grid like the upstream e2e truth tables: rows are clients,\n" +
            "          columns servers, \".\" allowed, \"X\" denied (coloured on a terminal)\n" +
            "  json    {\"cases\": [{\"from\", \"to\", \"port\", \"protocol\", \"allowed\"}, ...]}\n" +
            "  csv     one line per case, no header: from,to,port,protocol,allowed\n" +
            "  counts  {\"pods\": N, \"allowed\": {\"80/TCP\": n, ...}}: counts only, never lists pairs, so it\n" +
            "          scales to large clusters (computed over equivalence classes of pods)\n\n" +
            "Examples:\n  podwire matrix -f examples/\n  podwire matrix -f cluster.yaml -f policy.yaml --ports 80,81 --protocols TCP,UDP -o json\n" +
            "  podwire matrix -f big-cluster/ -o counts\n  podwire matrix -f examples/ -n shop -o csv");
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(ports);
        cmd.Options.Add(protocols);
        cmd.Options.Add(ns);
        cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            var format = pr.GetValue(output)!;
            CliOptions.CheckOutput(format, "table", "json", "counts", "csv");
            var portList = PolicyFlags.ParsePorts(pr.GetValue(ports)!);
            var protoList = PolicyFlags.ParseProtocols(pr.GetValue(protocols)!);
            var engine = PolicyFlags.Build(pr, ctx.Err);
            string? only = pr.GetValue(ns);
            if (only is not null && engine.Cluster.FindNamespace(only) is null && !engine.Cluster.Pods.Any(p => p.Namespace == only))
                throw new CliException($"namespace \"{only}\" not found", ExitCodes.Failed);
            if (format == "counts") { WriteCounts(ctx.Out, engine, portList, protoList, only); return ExitCodes.Ok; }

            var grids = new List<(int Port, Protocol Proto, Grid Grid)>();
            foreach (var proto in protoList)
                foreach (var p in portList) grids.Add((p, proto, Grid.Of(engine, p, proto, only)));
            if (format == "json")
            {
                JsonOut.Write(ctx.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("cases");
                    foreach (var (p, proto, g) in grids)
                        for (int i = 0; i < g.Pods.Count; i++)
                            for (int j = 0; j < g.Pods.Count; j++)
                            {
                                w.WriteStartObject();
                                w.WriteString("from", g.Pods[i].Key);
                                w.WriteString("to", g.Pods[j].Key);
                                w.WriteNumber("port", p);
                                w.WriteString("protocol", proto.ToString());
                                w.WriteBoolean("allowed", g.Allowed(i, j));
                                w.WriteEndObject();
                            }
                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            else if (format == "csv")
            {
                foreach (var (p, proto, g) in grids)
                    for (int i = 0; i < g.Pods.Count; i++)
                        for (int j = 0; j < g.Pods.Count; j++)
                            ctx.Out.WriteLine($"{g.Pods[i].Key},{g.Pods[j].Key},{p},{proto},{(g.Allowed(i, j) ? "true" : "false")}");
            }
            else
            {
                bool colour = ReferenceEquals(ctx.Out, Console.Out) && !Console.IsOutputRedirected
                    && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
                for (int k = 0; k < grids.Count; k++)
                {
                    if (k > 0) ctx.Out.WriteLine();
                    var (p, proto, g) = grids[k];
                    PolicyGrid.Write(ctx.Out, $"{p}/{proto}", g.Pods, g.Allowed, colour);
                }
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void WriteCounts(TextWriter o, PolicyEngine engine, IReadOnlyList<int> ports, IReadOnlyList<Protocol> protos, string? only)
    {
        // -n needs the listed subset, so it counts from the pairs; without it the class-based count scales.
        int pods = only is null ? engine.Identities.Pods.Count : engine.Identities.Pods.Count(p => p.Namespace == only);
        var counts = new List<(string Key, long Allowed)>();
        foreach (var proto in protos)
            foreach (var p in ports)
            {
                long n;
                if (only is null) n = engine.MatrixCounts(p, proto).Allowed;
                else
                {
                    var g = Grid.Of(engine, p, proto, only);
                    n = 0;
                    for (int i = 0; i < g.Pods.Count; i++) for (int j = 0; j < g.Pods.Count; j++) if (g.Allowed(i, j)) n++;
                }
                counts.Add(($"{p}/{proto}", n));
            }
        JsonOut.Write(o, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("pods", pods);
            w.WriteStartObject("allowed");
            foreach (var (k, n) in counts) w.WriteNumber(k, n);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>The listed pods and their verdicts for one port/protocol, from the engine's full matrix.</summary>
    internal sealed class Grid
    {
        public required IReadOnlyList<Pod> Pods { get; init; }
        public required bool[] Cells { get; init; }
        public bool Allowed(int i, int j) => Cells[i * Pods.Count + j];

        public static Grid Of(PolicyEngine engine, int port, Protocol proto, string? only)
        {
            var all = engine.Identities.Pods;
            var cells = engine.Matrix(port, proto);
            int n = all.Count;
            var keep = new List<int>();
            for (int i = 0; i < n; i++) if (only is null || all[i].Namespace == only) keep.Add(i);
            var pods = new Pod[keep.Count];
            var grid = new bool[keep.Count * keep.Count];
            for (int a = 0; a < keep.Count; a++)
            {
                pods[a] = all[keep[a]];
                for (int b = 0; b < keep.Count; b++) grid[a * keep.Count + b] = cells[keep[a] * n + keep[b]].Allowed;
            }
            return new Grid { Pods = pods, Cells = grid };
        }
    }
}
