using System.CommandLine;
using Podwire.Cli.Output;
using Podwire.Semantics.Ingress;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire route --host H --path P</c>: which backend the Ingress controller picks.</summary>
public static class RouteCommand
{
    public static Command Create(CommandContext ctx)
    {
        var host = new Option<string>("--host") { Description = "The request's Host header (a port is ignored).", Required = true };
        var path = new Option<string>("--path") { Description = "The request path (query and fragment are ignored).", DefaultValueFactory = _ => "/" };
        var output = CliOptions.Output("table, json");
        var cmd = new Command("route",
            "Route an HTTP request through the Ingresses served by podwire's controller (class\n" +
            "controller podwire.io/ingress): host match (exact beats wildcard), then the longest\n" +
            "matching path (Exact beats Prefix), else the default backend, else 404.\n\n" +
            "Examples:\n  podwire route -f examples/ --host shop.example.com --path /api/orders/42\n" +
            "  podwire route -f examples/ --host www.shop.example.com --path / -o json");
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(host);
        cmd.Options.Add(path);
        cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            var format = pr.GetValue(output)!;
            CliOptions.CheckOutput(format, "table", "json");
            var p = pr.GetValue(path)!;
            if (!p.StartsWith('/')) throw new CliException($"--path: Invalid value: \"{p}\": must start with /");
            var cluster = ClusterInput.Load(pr, ctx.Err);
            var r = IngressRouter.Route(cluster, pr.GetValue(host)!, p);
            if (format == "json")
            {
                JsonOut.Write(ctx.Out, w =>
                {
                    w.WriteStartObject();
                    if (r.Ingress is null) w.WriteNull("ingress"); else w.WriteString("ingress", r.Ingress);
                    if (r.ServiceKey is null) w.WriteNull("backend");
                    else
                    {
                        w.WriteStartObject("backend");
                        w.WriteString("service", r.ServiceKey);
                        if (r.Port is not { } port) w.WriteNull("port");
                        else if (port.IsName) w.WriteString("port", port.Name);
                        else w.WriteNumber("port", port.Number);
                        w.WriteEndObject();
                    }
                    w.WriteBoolean("tls", r.Tls);
                    w.WriteEndObject();
                });
                return ExitCodes.Ok;
            }
            if (r.ServiceKey is null) ctx.Out.WriteLine("404: no Ingress route matches");
            else ctx.Out.WriteLine($"{r.Ingress} → service {r.ServiceKey} port {r.Port}{(r.Tls ? " (TLS on 443)" : "")}");
            ctx.Out.WriteLine(r.Explanation);
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
