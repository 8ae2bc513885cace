using System.CommandLine;
using Podwire.Cli.Output;
using Podwire.Controllers;
using Podwire.Controllers.Dns;
using Podwire.Model;
using Podwire.Semantics.Dns;
using Podwire.Semantics.Ingress;
using Podwire.Semantics.Services;
using Podwire.Sources;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire demo</c>: the bundled example, derived and explained.</summary>
public static class DemoCommand
{
    public static Command Create(CommandContext ctx)
    {
        var dir = new Option<string?>("--examples") { Description = "Folder of manifests to use instead of the bundled examples/." };
        var noLab = new Option<bool>("--no-lab") { Description = "Analysis only, even as root." };
        var cmd = new Command("demo",
            "Load the bundled example application (examples/: a shop with a web front, two APIs, a\n" +
            "database, an ExternalName service, an Ingress with TLS and NetworkPolicies) and show what\n" +
            "the cluster derives: nodes, pods with IPs, Services with endpoints, DNS names, Ingress routes.\n" +
            "As root on Linux it then brings the example up as a real lab named \"demo\" and leaves it\n" +
            "running ('podwire down --cluster demo' removes it).\n\n" +
            "Examples:\n  ./podwire demo\n  ./podwire demo --nodes 3\n  ./podwire demo --no-lab");
        cmd.Options.Add(dir);
        cmd.Options.Add(noLab);
        cmd.SetAction(pr =>
        {
            var path = pr.GetValue(dir) ?? FindExamples();
            var loaded = ClusterLoader.Load([path], CliOptions.Options(pr));
            foreach (var n in loaded.Notices) ctx.Err.WriteLine($"notice: {n}");
            if (!loaded.Ok)
            {
                foreach (var p in loaded.Problems) ctx.Err.WriteLine($"error: {p}");
                throw new CliException($"{loaded.Problems.Count} problem(s) in {path}; nothing was done");
            }
            var cluster = ControlPlane.Derive(loaded.Model!);
            var shown = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
            Show(ctx, cluster, shown.StartsWith("..", StringComparison.Ordinal) ? path : shown);
            if (pr.GetValue(noLab)) return ExitCodes.Ok;
            return Lab(ctx, path, pr);
        });
        return cmd;
    }

    public const string LabName = "demo";

    /// <summary>The lab half of the demo: bring the example up for real (root only) and say how to explore it.</summary>
    private static int Lab(CommandContext ctx, string path, System.CommandLine.ParseResult pr)
    {
        ctx.Out.WriteLine();
        ctx.Out.WriteLine("== Lab ==");
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            ctx.Out.WriteLine("Analysis only: the lab builds real network namespaces, which needs root on Linux.");
            ctx.Out.WriteLine("Run 'sudo ./podwire demo' to see the same cluster built in the kernel.");
            return ExitCodes.Ok;
        }
        if (LabTools.Missing() is { Count: > 0 } missing)
        {
            ctx.Out.WriteLine($"Lab skipped: this machine lacks {string.Join(", ", missing)} (Debian packages: {string.Join(" ", missing.Select(m => m.Package).Distinct())}).");
            ctx.Out.WriteLine("Run ./podwire demo as root (it installs them), or install them and run 'sudo ./podwire demo' again.");
            return ExitCodes.Ok;
        }
        var paths = new Podwire.Lab.LabPaths(LabName);
        var running = LabDaemonProcess.DaemonPid(paths) is null ? null : LabDaemonProcess.TryStatus(paths);
        if (running is { Phase: "ready" })
            ctx.Out.WriteLine($"lab \"{LabName}\" is already running (daemon pid {running.Pid}): verifying it.");
        else
        {
            if (running is not null || Directory.Exists(paths.Root))
            {
                ctx.Err.WriteLine($"lab \"{LabName}\" exists but is {(running is null ? "not running" : running.Phase + (running.Error is null ? "" : $" ({running.Error})"))}: rebuilding it");
                LabCommands.TearDown(ctx, LabName, quiet: true);
            }
            var state = new Podwire.Lab.Daemon.LabState(LabName, CliOptions.PodNetwork(pr).Name, false, pr.GetValue(CliOptions.Nodes), pr.GetValue(CliOptions.ClusterCidr),
                pr.GetValue(CliOptions.ServiceCidr), pr.GetValue(CliOptions.ClusterDomain), LabDaemonProcess.CniPath());
            LabCommands.BringUp(ctx, LabName, [path], state);
        }
        Verify(ctx);
        ctx.Out.WriteLine();
        ctx.Out.WriteLine("Explore the running lab:");
        ctx.Out.WriteLine($"  sudo ./podwire status --cluster {LabName}");
        ctx.Out.WriteLine($"  sudo ./podwire get pods -A -o wide --cluster {LabName}");
        ctx.Out.WriteLine($"  sudo ./podwire exec shop/<web pod> --cluster {LabName} -- curl -s http://<catalog pod IP>:8081/hostname");
        ctx.Out.WriteLine($"  sudo ./podwire exec shop/<web pod> --cluster {LabName} -- getent hosts catalog   # cluster DNS (coredns pods behind kube-dns)");
        ctx.Out.WriteLine($"  sudo ./podwire port-forward 8080:80 --cluster {LabName}   # the ingress, then: curl -H 'Host: shop.example.com' http://127.0.0.1:8080/api/catalog");
        ctx.Out.WriteLine($"  sudo ./podwire trace shop/<web pod> --to shop/catalog --port 80 --cluster {LabName}");
        ctx.Out.WriteLine($"  sudo ip netns list | grep pw-{LabName}-");
        ctx.Out.WriteLine($"  sudo ./podwire down --cluster {LabName}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Probes every pod pair on every declared TCP port in the kernel and compares with the
    /// analyzer. No connection tried, or any mismatch, is a failure: a demo that proves nothing must not look green.
    /// </summary>
    private static void Verify(CommandContext ctx)
    {
        var paths = new Podwire.Lab.LabPaths(LabName);
        var state = Podwire.Lab.Daemon.LabState.Load(paths.StateFile);
        var (cluster, problems) = Podwire.Lab.Daemon.LabCluster.Load(state, paths.ManifestDir);
        if (cluster is null)
            throw new CliException($"verify: the manifests of lab \"{LabName}\" no longer load: {string.Join("; ", problems)}", ExitCodes.Failed);
        var engine = PolicyFlags.Build(cluster, ctx.Err);
        var ports = cluster.Pods.SelectMany(p => p.Ports).Where(p => p.Protocol == Protocol.TCP).Select(p => p.Port).Distinct().Order().ToList();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = VerifyRun.Run(engine, new Podwire.Lab.Topology.LabNames(LabName), ports, [Protocol.TCP], TimeSpan.FromMilliseconds(1000));
        int allowed = r.Cases.Count(c => c.Observed);
        ctx.Out.WriteLine();
        ctx.Out.WriteLine($"verify: {r.Cases.Count} real connections (every pod pair × TCP ports {string.Join(",", ports)}) in {sw.Elapsed.TotalSeconds:F1} s: " +
                          $"{allowed} got through, {r.Cases.Count - allowed} were dropped by policy; {r.Mismatches} mismatch(es) with the analyzer");
        foreach (var m in r.Cases.Where(c => c.Mismatch).Take(10))
            ctx.Out.WriteLine($"  MISMATCH {m.From} -> {m.To} {m.Port}/{m.Protocol}: expected {(m.Expected ? "allowed" : "denied")}, observed {(m.Observed ? "allowed" : "denied")}");
        if (r.Cases.Count == 0)
            throw new CliException($"verify tried no connection: lab \"{LabName}\" has no pod pair with a declared TCP port to probe, so it proves nothing", ExitCodes.Failed);
        if (r.Mismatches > 0)
            throw new CliException($"verify: {r.Mismatches} connection(s) behaved otherwise than the analyzer predicts ('sudo ./podwire verify --cluster {LabName}' lists them)", ExitCodes.Failed);
    }

    private static string FindExamples()
    {
        // The ./podwire wrapper says where the repository is; otherwise look upwards from here.
        var home = Environment.GetEnvironmentVariable("PODWIRE_HOME");
        if (home is not null && Directory.Exists(Path.Combine(home, "examples"))) return Path.Combine(home, "examples");
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "examples"))) return Path.Combine(d.FullName, "examples");
        throw new CliException("cannot find the examples/ folder; pass --examples PATH");
    }

    private static void Heading(CommandContext ctx, string title)
    {
        ctx.Out.WriteLine();
        ctx.Out.WriteLine($"== {title} ==");
    }

    private static void Show(CommandContext ctx, DerivedCluster c, string path)
    {
        ctx.Out.WriteLine($"Podwire demo: {path}");
        ctx.Out.WriteLine($"{c.Nodes.Count} nodes, {c.Pods.Count} pods, {c.Services.Count} services, {c.EndpointSlices.Count} endpoint slices, " +
                          $"{c.Input.Ingresses.Count} ingresses, {c.Input.NetworkPolicies.Count} network policies");
        Heading(ctx, "Nodes");
        GetCommand.RenderTable(ctx, c, "nodes", wide: true);
        Heading(ctx, "Pods");
        GetCommand.RenderTable(ctx, c, "pods", wide: false);
        Heading(ctx, "Services");
        GetCommand.RenderTable(ctx, c, "services", wide: false);

        Heading(ctx, "Service endpoints (what kube-proxy load-balances to)");
        var t = new TableWriter("SERVICE", "PORT", "CLUSTER-IP", "ENDPOINTS");
        foreach (var s in c.Services)
        {
            foreach (var p in s.Ports)
            {
                var r = ServiceResolver.Resolve(c, s.Namespace, s.Name, p.Port, p.Protocol)!;
                string eps = s.Type == ServiceType.ExternalName ? $"CNAME {s.ExternalName}"
                    : r.Endpoints.Count == 0 ? "<none>"
                    : string.Join(", ", r.Endpoints.Select(e => $"{e.Ip}:{e.Port}{(e.Ready ? "" : " (not ready)")}"));
                t.Add(s.Key, $"{p.Port}/{p.Protocol}", s.ClusterIP ?? "None", eps);
            }
            if (s.Ports.Count == 0) t.Add(s.Key, "-", s.ClusterIP ?? "None", s.Type == ServiceType.ExternalName ? $"CNAME {s.ExternalName}" : "<none>");
        }
        t.Write(ctx.Out);

        Heading(ctx, "Cluster DNS");
        var zone = DnsZoneBuilder.Build(c);
        var d = new TableWriter("NAME", "TYPE", "ANSWER");
        foreach (var s in c.Services)
        {
            var fqdn = $"{s.Name}.{s.Namespace}.svc.{c.Options.ClusterDomain}.";
            var a = DnsResolver.Query(zone, fqdn, DnsType.A);
            d.Add(fqdn, "A", a.Answers.Count == 0 ? a.Rcode.ToString().ToUpperInvariant() : string.Join(", ", a.Answers.Select(x => $"{x.Type} {x.Data}")));
            foreach (var p in s.Ports.Where(p => p.Name is not null))
            {
                var srvName = $"_{p.Name}._{p.Protocol.ToString().ToLowerInvariant()}.{fqdn}";
                var srv = DnsResolver.Query(zone, srvName, DnsType.SRV);
                if (srv.Answers.Count > 0) d.Add(srvName, "SRV", string.Join(", ", srv.Answers.Select(x => x.Data)));
            }
        }
        foreach (var p in c.Pods.Where(p => p.Hostname is not null && p.Subdomain is not null))
        {
            var fqdn = $"{p.Hostname}.{p.Subdomain}.{p.Namespace}.svc.{c.Options.ClusterDomain}.";
            var a = DnsResolver.Query(zone, fqdn, DnsType.A);
            d.Add(fqdn, "A", a.Answers.Count == 0 ? a.Rcode.ToString().ToUpperInvariant() + (p.Ready ? "" : " (pod not ready)") : string.Join(", ", a.Answers.Select(x => x.Data)));
        }
        d.Write(ctx.Out);

        Heading(ctx, "Ingress routes");
        var r2 = new TableWriter("REQUEST", "INGRESS", "BACKEND", "TLS");
        foreach (var ing in c.Input.Ingresses)
        {
            foreach (var rule in ing.Rules)
            {
                var host = rule.Host is null ? "any.host" : rule.Host.StartsWith("*.", StringComparison.Ordinal) ? "www" + rule.Host[1..] : rule.Host;
                foreach (var p in rule.Paths)
                {
                    var reqPath = p.PathType == PathType.Exact ? p.Path : p.Path.TrimEnd('/') + "/x";
                    var route = IngressRouter.Route(c, host, reqPath);
                    r2.Add($"{host}{reqPath}", route.Ingress ?? "-", route.ServiceKey is null ? "404" : $"{route.ServiceKey}:{route.Port}", route.Tls ? "yes" : "no");
                }
            }
        }
        r2.Write(ctx.Out);

        ctx.Out.WriteLine();
        ctx.Out.WriteLine("Explore further:");
        ctx.Out.WriteLine($"  ./podwire get pods -f {path} -A -o wide");
        ctx.Out.WriteLine($"  ./podwire resolve -f {path} --service shop/web --port 80");
        ctx.Out.WriteLine($"  ./podwire dns -f {path} _pg._tcp.postgres.data.svc.cluster.local SRV");
        ctx.Out.WriteLine($"  ./podwire route -f {path} --host shop.example.com --path /api/orders/42");
    }
}
