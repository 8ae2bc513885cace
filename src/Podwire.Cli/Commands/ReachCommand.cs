using System.CommandLine;
using System.Text.Json;
using Podwire.Cli.Output;
using Podwire.Policy.Engine;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire reach -f P --from A --to B --port N</c>: may A open a connection to B, and why.</summary>
public static class ReachCommand
{
    public static Command Create(CommandContext ctx)
    {
        var from = new Option<string>("--from") { Description = "The client: NAMESPACE/POD, or an IP address (a pod's, a node's, or outside the cluster).", Required = true };
        var to = new Option<string>("--to") { Description = "The server: NAMESPACE/POD, or an IP address.", Required = true };
        var port = new Option<int>("--port") { Description = "The destination port number.", Required = true };
        var protocol = new Option<string>("--protocol") { Description = "TCP, UDP or SCTP (default TCP).", DefaultValueFactory = _ => "TCP" };
        var output = CliOptions.Output("table, json");
        var cmd = new Command("reach",
            "Decide whether one connection is allowed by the cluster's policies (AdminNetworkPolicy,\n" +
            "NetworkPolicy, BaselineAdminNetworkPolicy), judging egress at the client and ingress at the\n" +
            "server, and name the policy and rule that decided each direction.\n\n" +
            "In JSON, \"policies\" names NetworkPolicies as NAMESPACE/NAME, AdminNetworkPolicies as\n" +
            "anp:NAME and the baseline as banp:default. Exit code 0 whether allowed or denied.\n\n" +
            "Examples:\n  podwire reach -f examples/ --from shop/web-0 --to data/postgres-0 --port 5432\n" +
            "  podwire reach -f cluster.yaml -f policy.yaml --from x/a --to y/b --port 80 --protocol UDP -o json\n" +
            "  podwire reach -f examples/ --from 203.0.113.7 --to shop/web-0 --port 8080");
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(from);
        cmd.Options.Add(to);
        cmd.Options.Add(port);
        cmd.Options.Add(protocol);
        cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            var format = pr.GetValue(output)!;
            CliOptions.CheckOutput(format, "table", "json");
            int portNumber = CliOptions.Port(pr.GetValue(port));
            var proto = PolicyFlags.ParseProtocol("--protocol", pr.GetValue(protocol)!);
            var engine = PolicyFlags.Build(pr, ctx.Err);
            var src = PolicyFlags.Endpoint(engine.Cluster, "--from", pr.GetValue(from)!);
            var dst = PolicyFlags.Endpoint(engine.Cluster, "--to", pr.GetValue(to)!);
            var v = engine.Reach(src, dst, portNumber, proto);
            if (format == "json")
            {
                JsonOut.Write(ctx.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("allowed", v.Allowed);
                    WriteDirection(w, "egress", v.Egress);
                    WriteDirection(w, "ingress", v.Ingress);
                    w.WriteString("reason", v.Reason);
                    w.WriteEndObject();
                });
                return ExitCodes.Ok;
            }
            ctx.Out.WriteLine($"{src} -> {dst} on {portNumber}/{proto}: {(v.Allowed ? "ALLOWED" : "DENIED")}");
            WriteTable(ctx.Out, "egress", v.Egress);
            WriteTable(ctx.Out, "ingress", v.Ingress);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void WriteDirection(Utf8JsonWriter w, string name, DirectionVerdict d)
    {
        w.WriteStartObject(name);
        w.WriteBoolean("allowed", d.Allowed);
        w.WriteStartArray("policies");
        foreach (var p in VerdictNames.PolicyNames(d)) w.WriteStringValue(p);
        w.WriteEndArray();
        w.WriteBoolean("isolated", d.Isolated);
        w.WriteString("decidedBy", VerdictNames.DecidedByName(d.DecidedBy));
        w.WriteStartArray("rules");
        foreach (var r in VerdictNames.RuleNames(d)) w.WriteStringValue(r);
        w.WriteEndArray();
        if (d.PassedBy.Count > 0)
        {
            w.WriteStartArray("passedBy");
            foreach (var r in d.PassedBy) w.WriteStringValue(VerdictNames.AdminRule(r));
            w.WriteEndArray();
        }
        w.WriteString("reason", d.Reason);
        w.WriteEndObject();
    }

    private static void WriteTable(TextWriter o, string name, DirectionVerdict d)
    {
        o.WriteLine($"  {(name + ":").PadRight(9)}{(d.Allowed ? "allowed" : "denied")}, decided by {Words(d.DecidedBy)}");
        o.WriteLine($"           {d.Reason}");
        var rules = VerdictNames.RuleNames(d);
        if (rules.Count > 0) o.WriteLine($"           rules: {string.Join(", ", rules)}");
        if (d.Isolated && d.IsolatingPolicies.Count > 0) o.WriteLine($"           isolated by: {string.Join(", ", d.IsolatingPolicies)}");
        if (d.PassedBy.Count > 0) o.WriteLine($"           passed by: {string.Join(", ", d.PassedBy.Select(VerdictNames.AdminRule))}");
    }

    private static string Words(DecidedBy d) => d switch
    {
        DecidedBy.Self => "the self rule (a pod may always reach itself)",
        DecidedBy.Node => "the node rule (a pod's own node may always reach it)",
        DecidedBy.NotSubject => "nothing: this end is not subject to policy",
        DecidedBy.AdminNetworkPolicy => "an AdminNetworkPolicy",
        DecidedBy.NetworkPolicy => "NetworkPolicy",
        DecidedBy.BaselineAdminNetworkPolicy => "the BaselineAdminNetworkPolicy",
        _ => "default: not isolated",
    };
}
