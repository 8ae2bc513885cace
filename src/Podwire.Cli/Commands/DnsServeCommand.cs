using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Podwire.Controllers;
using Podwire.Controllers.Dns;
using Podwire.Dns;
using Podwire.Sources;

namespace Podwire.Cli.Commands;

/// <summary>
/// <c>podwire dns serve -f P --listen ADDR:PORT</c>: the cluster DNS server outside the lab,
/// answering over UDP and TCP what <c>podwire dns</c> answers. Manifests are re-read when they
/// change (checked every second) and the new answers swapped in without a restart.
/// </summary>
public static class DnsServeCommand
{
    public static Command Create(CommandContext ctx)
    {
        var listen = new Option<string>("--listen") { Description = "UDP and TCP address to serve on (default 127.0.0.1:5353).", DefaultValueFactory = _ => "127.0.0.1:5353" };
        var ttl = new Option<int?>("--ttl") { Description = "TTL of every record in seconds, 0-3600 (default 30, as kubeadm's CoreDNS)." };
        var zone = new Option<string?>("--zone") { Description = "Cluster domain to serve (default cluster.local, or --cluster-domain)." };
        var upstream = new Option<string[]>("--upstream")
        {
            Description = "IP:PORT to forward names outside the cluster zones to; repeatable, tried in order. Without it they get REFUSED.",
            Arity = ArgumentArity.OneOrMore,
        };
        var export = new Option<string?>("--export-zone") { Description = "Write the records as master files (one per origin) to this folder and exit." };
        var cmd = new Command("serve",
            "Serve the cluster DNS records over UDP and TCP (A, AAAA, SRV, PTR, CNAME, TXT, EDNS0,\n" +
            "truncation). Names outside the zone are forwarded to --upstream, or REFUSED.\n\n" +
            "Example:\n  podwire dns serve -f examples/ --listen 127.0.0.1:5353\n  dig @127.0.0.1 -p 5353 web.shop.svc.cluster.local");
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(listen);
        cmd.Options.Add(ttl);
        cmd.Options.Add(zone);
        cmd.Options.Add(upstream);
        cmd.Options.Add(export);
        cmd.SetAction(pr =>
        {
            var files = pr.GetValue(CliOptions.Files) ?? [];
            if (files.Length == 0) throw new CliException("-f/--filename is required (name a manifest file or folder)");
            var options = CliOptions.Options(pr);
            if (pr.GetValue(zone) is { } z) options = options with { ClusterDomain = z.Trim().Trim('.').ToLowerInvariant() };
            if (pr.GetValue(ttl) is int t)
            {
                if (t is < 0 or > 3600) throw new CliException($"--ttl: Invalid value: {t}: must be between 0 and 3600");
                options = options with { DnsTtl = t };
            }
            var endpoint = ParseEndpoint("--listen", pr.GetValue(listen)!);
            var upstreams = new List<IPEndPoint>();
            foreach (var u in pr.GetValue(upstream) ?? []) upstreams.Add(ParseEndpoint("--upstream", u));

            DnsZone Load()
            {
                var loaded = ClusterLoader.Load(files, options);
                foreach (var n in loaded.Notices) ctx.Err.WriteLine($"notice: {n}");
                if (!loaded.Ok)
                {
                    foreach (var p in loaded.Problems) ctx.Err.WriteLine($"error: {p}");
                    throw new CliException($"{loaded.Problems.Count} problem{(loaded.Problems.Count == 1 ? "" : "s")} found; nothing was done");
                }
                return DnsZoneBuilder.Build(ControlPlane.Derive(loaded.Model!));
            }

            var current = Load();
            if (pr.GetValue(export) is { } dir)
            {
                Directory.CreateDirectory(dir);
                foreach (var (origin, text) in DnsZoneFile.Render(current))
                    File.WriteAllText(Path.Combine(dir, origin + "zone"), text);
                return ExitCodes.Ok;
            }

            DnsServer server;
            try { server = DnsServer.Start(new DnsServerOptions(endpoint, upstreams), current); }
            catch (System.Net.Sockets.SocketException e) { throw new CliException($"--listen: cannot listen on {endpoint}: {e.Message}", ExitCodes.Failed); }
            using var _ = server;
            using var stop = new CancellationTokenSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            ctx.Err.WriteLine($"serving {current.Domain} {DnsNames.ReverseV4} {DnsNames.ReverseV6} on {endpoint.Address}:{server.Port} (udp, tcp), {server.Snapshot.NameCount} names");
            ctx.Err.Flush();

            var stamp = Stamp(files);
            while (!stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1)))
            {
                var now = Stamp(files);
                if (now == stamp) continue;
                stamp = now;
                try
                {
                    server.Update(Load());
                    ctx.Err.WriteLine($"reloaded: {server.Snapshot.NameCount} names");
                }
                catch (CliException e) { ctx.Err.WriteLine($"error: {e.Message}; still serving the previous records"); }
                ctx.Err.Flush();
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static IPEndPoint ParseEndpoint(string flag, string text) =>
        IPEndPoint.TryParse(text, out var ep) && ep.Port != 0 ? ep
        : throw new CliException($"{flag}: Invalid value: \"{text}\": expected IP:PORT such as 127.0.0.1:5353");

    // A change to any manifest (edit, add, remove) changes this fingerprint.
    private static string Stamp(string[] paths)
    {
        long sum = 0;
        int count = 0;
        foreach (var p in paths)
        {
            if (File.Exists(p)) { sum += File.GetLastWriteTimeUtc(p).Ticks; count++; }
            else if (Directory.Exists(p))
                foreach (var f in Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories)) { sum += File.GetLastWriteTimeUtc(f).Ticks ^ f.Length; count++; }
        }
        return string.Create(CultureInfo.InvariantCulture, $"{count}:{sum}");
    }
}
