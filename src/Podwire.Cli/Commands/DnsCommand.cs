using System.CommandLine;
using Podwire.Cli.Output;
using Podwire.Controllers.Dns;
using Podwire.Semantics.Dns;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire dns NAME [TYPE]</c>: what the cluster DNS server answers.</summary>
public static class DnsCommand
{
    public static Command Create(CommandContext ctx)
    {
        var nameArg = new Argument<string>("NAME") { Description = "The name to look up (FQDN, or relative with --from)." };
        var typeArg = new Argument<string>("TYPE") { Description = "A, AAAA, SRV, PTR, CNAME or TXT (default A).", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "A" };
        var from = new Option<string?>("--from") { Description = "Resolve as this pod's resolver would (NAMESPACE/POD): its search path and ndots:5." };
        var output = CliOptions.Output("table, json");
        var cmd = new Command("dns",
            "Answer a DNS query as the cluster DNS server would (Kubernetes DNS schema 1.1.0): A, AAAA,\n" +
            "SRV, PTR, CNAME, TXT; NXDOMAIN for unknown names, an empty NOERROR for a known name of\n" +
            "another type. Names are case-insensitive. An IP address as NAME asks for its PTR record.\n\n" +
            "Examples:\n  podwire dns -f examples/ web.shop.svc.cluster.local\n" +
            "  podwire dns -f examples/ _pg._tcp.postgres.data.svc.cluster.local SRV -o json\n" +
            "  podwire dns -f examples/ catalog --from shop/web-0123456789-abcde");
        cmd.Arguments.Add(nameArg);
        cmd.Arguments.Add(typeArg);
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(from);
        cmd.Options.Add(output);
        cmd.Subcommands.Add(DnsServeCommand.Create(ctx));
        cmd.SetAction(pr =>
        {
            var format = pr.GetValue(output)!;
            CliOptions.CheckOutput(format, "table", "json");
            var name = pr.GetValue(nameArg)!;
            var typeText = pr.GetValue(typeArg)!;
            if (!DnsTypes.TryParse(typeText, out var type))
                throw new CliException($"TYPE: Unsupported value: \"{typeText}\": supported values: A, AAAA, SRV, PTR, CNAME, TXT");
            if (System.Net.IPAddress.TryParse(name, out var ip) && name.Contains(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? '.' : ':'))
            {
                name = DnsNames.ReverseName(ip);
                if (typeText == "A" && pr.GetResult(typeArg) is null or { Implicit: true }) type = DnsType.PTR;
            }
            var cluster = ClusterInput.Load(pr, ctx.Err);
            var zone = DnsZoneBuilder.Build(cluster);
            DnsAnswer answer;
            IReadOnlyList<string> tried = [];
            if (pr.GetValue(from) is { } fromText)
            {
                var (ns, podName) = CliOptions.NsName("--from", fromText);
                var pod = cluster.FindPod(ns, podName) ?? throw new CliException($"pod \"{ns}/{podName}\" not found", ExitCodes.Failed);
                var lookup = DnsResolver.Lookup(zone, pod, name, type);
                answer = lookup.Answer;
                tried = lookup.Tried;
            }
            else
            {
                answer = DnsResolver.Query(zone, name, type);
            }
            if (format == "json")
            {
                JsonOut.Write(ctx.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("rcode", answer.Rcode.ToString().ToUpperInvariant());
                    w.WriteStartArray("answers");
                    foreach (var rr in answer.Answers)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", rr.Name);
                        w.WriteString("type", rr.Type.ToString());
                        w.WriteNumber("ttl", rr.Ttl);
                        w.WriteString("data", rr.Data);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                });
                return ExitCodes.Ok;
            }
            foreach (var t in tried) ctx.Out.WriteLine($";; tried {t}");
            ctx.Out.WriteLine($";; status: {answer.Rcode.ToString().ToUpperInvariant()}, answers: {answer.Answers.Count}");
            if (answer.Answers.Count > 0)
            {
                var table = new TableWriter("NAME", "TTL", "TYPE", "DATA");
                foreach (var rr in answer.Answers) table.Add(rr.Name, rr.Ttl.ToString(), rr.Type.ToString(), rr.Data);
                table.Write(ctx.Out);
            }
            if (answer.Additional.Count > 0)
            {
                ctx.Out.WriteLine(";; additional:");
                var table = new TableWriter("NAME", "TTL", "TYPE", "DATA");
                foreach (var rr in answer.Additional) table.Add(rr.Name, rr.Ttl.ToString(), rr.Type.ToString(), rr.Data);
                table.Write(ctx.Out);
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
