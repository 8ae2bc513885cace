using System.CommandLine;
using System.Net;
using System.Text.Json;
using Podwire.Cli.Output;
using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Lab;
using Podwire.Lab.Daemon;
using Podwire.Lab.Probe;
using Podwire.Lab.Topology;
using Podwire.Lab.Trace;
using Podwire.Model;
using Podwire.Policy.Engine;
using Podwire.Semantics.Services;

namespace Podwire.Cli.Commands;

/// <summary>
/// <c>podwire trace NS/POD --to X --port N</c>: one real connection in the running lab, traced
/// through every node's nftables, printed beside what the analyzer predicts.
/// </summary>
public static class TraceCommand
{
    private const string TraceTable = KernelTrace.TraceTable;

    public static Command Create(CommandContext ctx)
    {
        var source = new Argument<string>("NS/POD") { Description = "The pod the connection starts from." };
        var to = new Option<string>("--to") { Description = "The destination: NAMESPACE/POD, NAMESPACE/SERVICE (a pod of that name wins) or an IP address.", Required = true };
        var port = new Option<int>("--port") { Description = "The destination port (the Service port for a Service).", Required = true };
        var protocol = new Option<string>("--protocol") { Description = "TCP, UDP or SCTP (default TCP).", DefaultValueFactory = _ => "TCP" };
        var cluster = LabSelection.ClusterOption();
        var output = CliOptions.Output("table, json");
        var cmd = new Command("trace",
            "Send one real connection attempt from a pod in the running lab with nftables tracing on\n" +
            "in every node, and print the path it took (chains and rules hit per node, the Service\n" +
            "DNAT, the policy verdict, the endpoint that answered) beside the analyzer's prediction\n" +
            "(the Service's endpoints, or the policy verdict for a pod or IP). TCP sends\n" +
            "GET /hostname; UDP sends one datagram; SCTP sends an association's INIT. Needs root.\n" +
            "Exit code 0 whether delivered or not.\n\n" +
            "Examples:\n  sudo podwire trace shop/web-xxxx --to shop/catalog --port 80\n" +
            "  sudo podwire trace shop/web-xxxx --to data/postgres-0 --port 5432 -o json\n" +
            "  sudo podwire trace default/a1 --to 10.244.1.5 --port 5353 --protocol UDP --cluster t1");
        cmd.Arguments.Add(source);
        cmd.Options.Add(to);
        cmd.Options.Add(port);
        cmd.Options.Add(protocol);
        cmd.Options.Add(cluster);
        cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            var format = pr.GetValue(output)!;
            CliOptions.CheckOutput(format, "table", "json");
            int portNumber = CliOptions.Port(pr.GetValue(port));
            var proto = PolicyFlags.ParseProtocol("--protocol", pr.GetValue(protocol)!);
            LabSelection.RequireRoot();
            var name = LabSelection.Resolve(pr.GetValue(cluster));
            var derived = LoadLab(name, ctx.Err);
            var names = new LabNames(name);

            var (sns, spod) = CliOptions.NsName("NS/POD", pr.GetValue(source)!);
            var src = derived.FindPod(sns, spod) ?? throw new CliException($"pod \"{sns}/{spod}\" not found in lab \"{name}\"", ExitCodes.Failed);
            var srcNetns = names.PodNetns(sns, spod);
            if (src.PodIP is null || !Netns.Exists(srcNetns)) throw new CliException($"pod \"{sns}/{spod}\" is not running in lab \"{name}\"", ExitCodes.Failed);

            var target = ResolveTarget(derived, pr.GetValue(to)!, portNumber, proto);
            var prediction = Predict(derived, ctx.Err, src, target, portNumber, proto);

            var nodes = derived.Nodes.Select(n => n.Name).ToList();
            using var kernel = new Podwire.Datapath.Kernel.LinuxKernel(ProcessRunner.Instance);
            var (traces, probe) = KernelTrace.Run(kernel, names, nodes, srcNetns, src.PodIP, target.Ip, portNumber, proto);

            var answeredBy = AnsweredBy(derived, probe);
            if (format == "json") WriteJson(ctx.Out, prediction, traces, probe, answeredBy);
            else WriteTable(ctx.Out, $"{sns}/{spod} ({src.PodIP})", target, portNumber, proto, prediction, traces, probe, answeredBy);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static DerivedCluster LoadLab(string name, TextWriter stderr)
    {
        var paths = new LabPaths(name);
        if (!File.Exists(paths.StateFile)) throw new CliException($"lab \"{name}\" is not running", ExitCodes.Failed);
        var (cluster, problems) = LabCluster.Load(LabState.Load(paths.StateFile), paths.ManifestDir);
        if (cluster is null)
        {
            foreach (var p in problems) stderr.WriteLine($"error: {p}");
            throw new CliException($"the manifests of lab \"{name}\" no longer load", ExitCodes.Failed);
        }
        return LabCluster.Annotate(cluster, name);
    }

    /// <summary>Where the probe goes: a pod's IP, a Service's ClusterIP, or the IP given.</summary>
    private sealed record Target(string Text, string Ip, Pod? Pod, Service? Service);

    private static Target ResolveTarget(DerivedCluster c, string value, int port, Protocol proto)
    {
        if (IPAddress.TryParse(value, out var ip))
        {
            var text = ip.ToString();
            var owner = c.Pods.FirstOrDefault(p => p.PodIP == text && !p.HostNetwork);
            // A Service's own address (ClusterIP, LoadBalancer, external IP) is traced as that Service.
            var byAddress = owner is null ? c.Services.FirstOrDefault(s => s.ClusterIPs.Contains(text) || s.ExternalIPs.Contains(text)
                || (s.Type == ServiceType.LoadBalancer && s.LoadBalancerIngress.Contains(text))) : null;
            return new Target(value, text, owner, byAddress);
        }
        var (ns, name) = CliOptions.NsName("--to", value);
        if (c.FindPod(ns, name) is { } pod)
            return pod.PodIP is { } pip ? new Target(value, pip, pod, null) : throw new CliException($"--to: pod \"{ns}/{name}\" has no IP", ExitCodes.Failed);
        if (c.FindService(ns, name) is { } svc)
        {
            var vip = svc.ClusterIPs.Count > 0 ? svc.ClusterIPs[0] : svc.ClusterIP;
            if (vip is null || vip == Service.None)
                throw new CliException($"--to: Service \"{ns}/{name}\" has no ClusterIP (headless or ExternalName): trace one of its pods instead", ExitCodes.Failed);
            return new Target(value, vip, null, svc);
        }
        throw new CliException($"--to: no pod or Service \"{ns}/{name}\"", ExitCodes.Failed);
    }

    /// <summary>The analyzer's side: Service endpoints for a Service, the policy verdict otherwise.</summary>
    private sealed record Prediction(string Kind, bool Delivered, string Reason, IReadOnlyList<string> Endpoints);

    private static Prediction Predict(DerivedCluster c, TextWriter stderr, Pod src, Target t, int port, Protocol proto)
    {
        if (t.Service is { } svc)
        {
            var r = ServiceResolver.Resolve(c, svc.Namespace, svc.Name, port, proto)!;
            var eps = r.Endpoints.Where(e => e.Ready).Select(e => $"{e.Ip}:{e.Port}{(e.Pod is null ? "" : $" ({e.Pod})")}").ToList();
            if (src.PodIP is { } from && !SourceRanges.Admits(svc, t.Ip, from, out var why))
                return new Prediction("service", false, why, eps);
            return new Prediction("service", eps.Count > 0, r.Explanation, eps);
        }
        var engine = PolicyFlags.Build(c, stderr);
        var dst = t.Pod is { } p ? NetEndpoint.Of(p) : NetEndpoint.Of(t.Ip);
        var v = engine.Reach(NetEndpoint.Of(src), dst, port, proto);
        return new Prediction("policy", v.Allowed, v.Reason, []);
    }

    /// <summary>The events worth showing: rules that matched and verdicts, not the header dumps or our own marking rule.</summary>
    private static IEnumerable<TraceEvent> Steps(NodeTrace t) =>
        t.Events.Where(e => e.Kind != "packet" && e.Table != TraceTable);

    /// <summary>Where the proxy sent the packet: the first destination seen after a podwire-proxy DNAT.</summary>
    private static string? DnatTo(NodeTrace t)
    {
        bool dnat = false;
        foreach (var e in t.Events)
        {
            if (e.Table == "podwire-proxy" && e.Kind == "rule" && e.Rule is not null && e.Rule.Contains("dnat ", StringComparison.Ordinal))
            {
                // Our proxy DNATs through a map, so the rule text rarely names the endpoint: the
                // next packet dump (the forward hook) shows the rewritten destination.
                if (TraceParser.DnatTarget(e.Rule) is { } literal) return literal;
                dnat = true;
            }
            else if (dnat && e.Kind == "packet" && TraceParser.Destination(e.Rule) is { } d) return d;
        }
        return null;
    }

    private static string? PolicyVerdict(NodeTrace t)
    {
        string? last = null;
        foreach (var e in t.Events)
            if (e.Table == "podwire-policy" && e.Verdict is { } v && (v.StartsWith("accept", StringComparison.Ordinal) || v.StartsWith("drop", StringComparison.Ordinal) || v.StartsWith("reject", StringComparison.Ordinal)))
                last = $"{v.Split(' ')[0]} ({e.Chain}{(e.Rule is null ? "" : ": " + e.Rule)})";
        return last;
    }

    /// <summary>The pod that answered: the lab's probe servers answer /hostname with the pod's name.</summary>
    private static string? AnsweredBy(DerivedCluster c, ProbeResult r)
    {
        if (!r.Ok) return null;
        var host = r.Body.Trim();
        foreach (var p in c.Pods)
            if (p.Name == host || p.Hostname == host) return $"{p.Key} ({p.PodIP})";
        return null;
    }

    private static string Response(ProbeResult r) =>
        r.Ok ? (r.Status == 0 ? r.Body.Trim() : $"{r.Status} {r.Body.Trim()}") : $"{r.Failure}: {r.Detail}";

    private static void WriteTable(TextWriter o, string from, Target t, int port, Protocol proto, Prediction p, IReadOnlyList<NodeTrace> traces, ProbeResult r, string? answeredBy)
    {
        var svc = t.Service is { } s ? $" (Service {s.Key})" : t.Pod is { } pod ? $" (pod {pod.Key})" : "";
        o.WriteLine($"{from} -> {t.Ip}:{port}/{proto}{svc}");
        o.WriteLine();
        o.WriteLine($"predicted: {(p.Delivered ? "delivered" : "not delivered")} ({p.Kind}): {p.Reason}");
        foreach (var e in p.Endpoints) o.WriteLine($"  endpoint {e}");
        o.WriteLine();
        o.WriteLine($"observed:  {(r.Ok ? "delivered" : "not delivered")}, response: {Response(r)}");
        if (answeredBy is not null) o.WriteLine($"  answered by: {answeredBy}");
        var crossed = traces.Where(x => x.Events.Count > 0).Select(x => x.Node).ToList();
        o.WriteLine($"  nodes crossed: {(crossed.Count == 0 ? "(none traced)" : string.Join(", ", crossed))}");
        foreach (var n in traces)
        {
            if (n.Events.Count == 0) continue;
            o.WriteLine($"  {n.Node}:");
            // One trace id per packet: a retransmitted SYN shows as a second packet.
            string? id = null;
            int packets = 0;
            foreach (var e in Steps(n))
            {
                if (e.Id != id) { id = e.Id; packets++; if (packets > 1) o.WriteLine($"    -- packet {packets} (retransmission)"); }
                o.WriteLine($"    {e.Family} {e.Table} {e.Chain}: {(e.Kind == "rule" ? e.Rule + " -> " : e.Kind + " ")}{e.Verdict}");
            }
            if (DnatTo(n) is { } d) o.WriteLine($"    DNAT to {d}");
            if (PolicyVerdict(n) is { } v) o.WriteLine($"    policy: {v}");
        }
    }

    private static void WriteJson(TextWriter o, Prediction p, IReadOnlyList<NodeTrace> traces, ProbeResult r, string? answeredBy) =>
        JsonOut.Write(o, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("prediction");
            w.WriteString("kind", p.Kind);
            w.WriteBoolean("delivered", p.Delivered);
            w.WriteString("reason", p.Reason);
            w.WriteStartArray("endpoints");
            foreach (var e in p.Endpoints) w.WriteStringValue(e);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("observed");
            w.WriteBoolean("delivered", r.Ok);
            w.WriteStartArray("nodes");
            foreach (var n in traces)
            {
                if (n.Events.Count == 0) continue;
                w.WriteStartObject();
                w.WriteString("node", n.Node);
                if (DnatTo(n) is { } d) w.WriteString("dnat", d);
                if (PolicyVerdict(n) is { } v) w.WriteString("policy", v);
                w.WriteStartArray("events");
                foreach (var e in Steps(n))
                {
                    w.WriteStartObject();
                    w.WriteString("table", e.Table);
                    w.WriteString("chain", e.Chain);
                    if (e.Rule is null) w.WriteNull("rule"); else w.WriteString("rule", e.Rule);
                    w.WriteString("verdict", e.Kind == "rule" ? e.Verdict : $"{e.Kind} {e.Verdict}");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("response", Response(r));
            if (answeredBy is not null) w.WriteString("answeredBy", answeredBy);
            w.WriteEndObject();
            w.WriteEndObject();
        });
}
