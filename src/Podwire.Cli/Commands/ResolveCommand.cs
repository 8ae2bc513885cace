using System.CommandLine;
using Podwire.Cli.Output;
using Podwire.Semantics.Services;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire resolve --service NS/NAME --port N</c>: which endpoints a Service sends to.</summary>
public static class ResolveCommand
{
    public static Command Create(CommandContext ctx)
    {
        var service = new Option<string>("--service") { Description = "The Service, as NAMESPACE/NAME.", Required = true };
        var port = new Option<int>("--port") { Description = "The Service port number.", Required = true };
        var output = CliOptions.Output("table, json");
        var cmd = new Command("resolve",
            "Resolve a Service port to its endpoints as kube-proxy would see them: ClusterIP, then each\n" +
            "endpoint's address, target port, readiness and pod (from the EndpointSlices).\n\n" +
            "Examples:\n  podwire resolve -f examples/ --service shop/web --port 80\n  podwire resolve -f examples/ --service data/postgres --port 5432 -o json");
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(service);
        cmd.Options.Add(port);
        cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            var format = pr.GetValue(output)!;
            CliOptions.CheckOutput(format, "table", "json");
            var (ns, name) = CliOptions.NsName("--service", pr.GetValue(service)!);
            int portNumber = CliOptions.Port(pr.GetValue(port));
            var cluster = ClusterInput.Load(pr, ctx.Err);
            if (cluster.FindService(ns, name) is null)
                throw new CliException($"service \"{ns}/{name}\" not found", ExitCodes.Failed);
            var r = ServiceResolver.Resolve(cluster, ns, name, portNumber)!;
            if (r.Port is null && r.Service.Type != Model.ServiceType.ExternalName)
                throw new CliException($"service \"{ns}/{name}\" has no port {portNumber} (ports: {string.Join(", ", r.Service.Ports.Select(p => p.Port))})", ExitCodes.Failed);
            if (format == "json")
            {
                JsonOut.Write(ctx.Out, w =>
                {
                    w.WriteStartObject();
                    if (r.ClusterIP is null) w.WriteNull("clusterIP"); else w.WriteString("clusterIP", r.ClusterIP);
                    w.WriteStartArray("endpoints");
                    foreach (var e in r.Endpoints)
                    {
                        w.WriteStartObject();
                        w.WriteString("ip", e.Ip);
                        w.WriteNumber("port", e.Port);
                        w.WriteBoolean("ready", e.Ready);
                        if (e.Pod is null) w.WriteNull("pod"); else w.WriteString("pod", e.Pod);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                });
                return ExitCodes.Ok;
            }
            ctx.Out.WriteLine($"Service {ns}/{name} port {portNumber}: {r.Service.Type}, cluster IP {r.ClusterIP ?? "<none>"}");
            ctx.Out.WriteLine(r.Explanation);
            if (r.Endpoints.Count > 0)
            {
                ctx.Out.WriteLine();
                var t = new TableWriter("ENDPOINT", "PORT", "READY", "SERVING", "TERMINATING", "POD", "NODE");
                foreach (var e in r.Endpoints)
                    t.Add(e.Ip, e.Port.ToString(), Yes(e.Ready), Yes(e.Serving), Yes(e.Terminating), e.Pod, e.Node);
                t.Write(ctx.Out);
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static string Yes(bool b) => b ? "yes" : "no";
}
