using System.CommandLine;
using Podwire.Cli.Output;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Policy.Engine;
using Podwire.Sources;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire diff -f OLD --against NEW</c>: which connections a change opens and which it closes.</summary>
public static class DiffCommand
{
    public static Command Create(CommandContext ctx)
    {
        var against = new Option<string[]>("--against")
        {
            Description = "The changed manifests (file or folder, repeatable like -f): the state after the change.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            Required = true,
        };
        var ports = PolicyFlags.PortsOption();
        var protocols = PolicyFlags.ProtocolsOption();
        var output = CliOptions.Output("table, json");
        var cmd = new Command("diff",
            "Compare the connection matrix of two versions of a cluster (-f: before, --against: after) and\n" +
            "list every connection (pod pair, port, protocol) whose verdict changes: opened (denied before,\n" +
            "allowed after) or closed (allowed before, denied after). Only pods present in both versions\n" +
            "are compared. Ask \"what will this drop?\" before applying a policy.\n\n" +
            "Exit code 1 when something changes, 0 when nothing does.\n\n" +
            "Examples:\n  podwire diff -f cluster/ --against cluster/ --against new-policy.yaml\n" +
            "  podwire diff -f old/ --against new/ --ports 80,443 --protocols TCP,UDP -o json");
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(against);
        cmd.Options.Add(ports);
        cmd.Options.Add(protocols);
        cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            var format = pr.GetValue(output)!;
            CliOptions.CheckOutput(format, "table", "json");
            var portList = PolicyFlags.ParsePorts(pr.GetValue(ports)!);
            var protoList = PolicyFlags.ParseProtocols(pr.GetValue(protocols)!);
            var before = PolicyFlags.Build(pr, ctx.Err);
            var after = PolicyFlags.Build(LoadOther(pr, pr.GetValue(against) ?? [], ctx.Err), ctx.Err);
            var changes = Compare(before, after, portList, protoList);
            var beforeKeys = before.Identities.Pods.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            var afterKeys = after.Identities.Pods.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            int onlyOne = beforeKeys.Count(k => !afterKeys.Contains(k)) + afterKeys.Count(k => !beforeKeys.Contains(k));
            if (onlyOne > 0) ctx.Err.WriteLine($"notice: {onlyOne} pod{(onlyOne == 1 ? " is" : "s are")} in only one version and not compared");
            int opened = changes.Count(c => c.Opened), closed = changes.Count - opened;
            if (format == "json")
            {
                JsonOut.Write(ctx.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("changed", changes.Count > 0);
                    foreach (var (key, want) in new[] { ("opened", true), ("closed", false) })
                    {
                        w.WriteStartArray(key);
                        foreach (var c in changes)
                        {
                            if (c.Opened != want) continue;
                            w.WriteStartObject();
                            w.WriteString("from", c.From);
                            w.WriteString("to", c.To);
                            w.WriteNumber("port", c.Port);
                            w.WriteString("protocol", c.Protocol.ToString());
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                    w.WriteEndObject();
                });
            }
            else if (changes.Count == 0) ctx.Out.WriteLine("no connection changes");
            else
            {
                var t = new TableWriter("CHANGE", "FROM", "TO", "PORT");
                foreach (var c in changes) t.Add(c.Opened ? "opened" : "closed", c.From, c.To, $"{c.Port}/{c.Protocol}");
                t.Write(ctx.Out);
                ctx.Out.WriteLine();
                ctx.Out.WriteLine($"{changes.Count} connection{(changes.Count == 1 ? "" : "s")} change: {opened} opened, {closed} closed");
            }
            return changes.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return cmd;
    }

    public sealed record Change(string From, string To, int Port, Protocol Protocol, bool Opened);

    /// <summary>Every pair×port×protocol whose verdict differs, over the pods both clusters have, in the "before" pod order.</summary>
    public static IReadOnlyList<Change> Compare(PolicyEngine before, PolicyEngine after, IReadOnlyList<int> ports, IReadOnlyList<Protocol> protos)
    {
        var afterIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var ap = after.Identities.Pods;
        for (int i = 0; i < ap.Count; i++) afterIndex.TryAdd(ap[i].Key, i);
        var bp = before.Identities.Pods;
        var map = new int[bp.Count];
        for (int i = 0; i < bp.Count; i++) map[i] = afterIndex.GetValueOrDefault(bp[i].Key, -1);
        var changes = new List<Change>();
        foreach (var proto in protos)
            foreach (int port in ports)
            {
                var b = before.Matrix(port, proto);
                var a = after.Matrix(port, proto);
                for (int i = 0; i < bp.Count; i++)
                {
                    if (map[i] < 0) continue;
                    for (int j = 0; j < bp.Count; j++)
                    {
                        if (map[j] < 0) continue;
                        bool was = b[i * bp.Count + j].Allowed, now = a[map[i] * ap.Count + map[j]].Allowed;
                        if (was != now) changes.Add(new Change(bp[i].Key, bp[j].Key, port, proto, now));
                    }
                }
            }
        return changes;
    }

    private static DerivedCluster LoadOther(ParseResult pr, string[] files, TextWriter stderr)
    {
        if (files.Length == 0) throw new CliException("--against is required: name the changed manifests");
        var loaded = ClusterLoader.Load(files, CliOptions.Options(pr));
        foreach (var n in loaded.Notices) stderr.WriteLine($"notice: {n}");
        if (!loaded.Ok)
        {
            foreach (var p in loaded.Problems) stderr.WriteLine($"error: {p}");
            throw new CliException($"--against: {loaded.Problems.Count} problem{(loaded.Problems.Count == 1 ? "" : "s")} found; nothing was done");
        }
        return ControlPlane.Derive(loaded.Model!);
    }
}
