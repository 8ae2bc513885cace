using System.CommandLine;
using System.Text.Json;
using k8s;
using Podwire.Cli.Output;
using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire get KIND [NAME]</c>: kubectl's get over the derived cluster.</summary>
public static class GetCommand
{
    private sealed record Kind(string Name, string[] Aliases, bool Namespaced);

    private static readonly Kind[] Kinds =
    [
        new("nodes", ["node", "no"], false),
        new("namespaces", ["namespace", "ns"], false),
        new("pods", ["pod", "po"], true),
        new("services", ["service", "svc"], true),
        new("endpointslices", ["endpointslice"], true),
        new("ingresses", ["ingress", "ing"], true),
        new("networkpolicies", ["networkpolicy", "netpol"], true),
        new("serviceaccounts", ["serviceaccount", "sa"], true),
    ];

    public static Command Create(CommandContext ctx)
    {
        var kindArg = new Argument<string>("KIND") { Description = "nodes, namespaces, pods, services, endpointslices, ingresses, networkpolicies, serviceaccounts (or their short names: no, ns, po, svc, ing, netpol, sa)" };
        var nameArg = new Argument<string?>("NAME") { Description = "Show only this object.", Arity = ArgumentArity.ZeroOrOne };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Only objects in this namespace (default: default)." };
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "Objects in every namespace." };
        var output = CliOptions.Output("table (default), wide, json, yaml");
        var cmd = new Command("get",
            "Show objects of the derived cluster as kubectl would, with what the control plane filled in\n" +
            "(pod IPs and nodes, ClusterIPs, NodePorts, LoadBalancer addresses, EndpointSlices).\n\n" +
            "Without -f, reads the running lab (see 'podwire up').\n\n" +
            "Examples:\n  podwire get pods -f examples/ -A -o wide\n  sudo podwire get nodes -o json --cluster lab\n  podwire get services -f examples/ -n shop\n  podwire get endpointslices -f examples/ -A -o json");
        cmd.Arguments.Add(kindArg);
        cmd.Arguments.Add(nameArg);
        cmd.Options.Add(CliOptions.Files);
        cmd.Options.Add(CliOptions.Cluster);
        cmd.Options.Add(ns);
        cmd.Options.Add(all);
        cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            var kindText = pr.GetValue(kindArg)!.ToLowerInvariant();
            var kind = Kinds.FirstOrDefault(k => k.Name == kindText || k.Aliases.Contains(kindText))
                ?? throw new CliException($"unknown resource type \"{kindText}\": supported: {string.Join(", ", Kinds.Select(k => k.Name))}");
            var format = pr.GetValue(output)!;
            CliOptions.CheckOutput(format, "table", "wide", "json", "yaml");
            var cluster = ClusterInput.Load(pr, ctx.Err);
            string? nsFilter = pr.GetValue(all) ? null : pr.GetValue(ns) ?? "default";
            var name = pr.GetValue(nameArg);
            return Render(ctx, cluster, kind, kind.Namespaced ? nsFilter : null, name, format);
        });
        return cmd;
    }

    /// <summary>Prints one kind as a table across all namespaces (used by the demo).</summary>
    public static void RenderTable(CommandContext ctx, DerivedCluster cluster, string kindName, bool wide) =>
        Render(ctx, cluster, Kinds.First(k => k.Name == kindName), null, null, wide ? "wide" : "table");

    private static int Render(CommandContext ctx, DerivedCluster c, Kind kind, string? ns, string? name, string format)
    {
        bool Keep(string? objNs, string objName) => (ns is null || objNs == ns) && (name is null || objName == name);
        IReadOnlyList<(object Api, Action<TableWriter?, bool> Row)> rows;
        TableWriter table;
        bool wide = format == "wide";
        bool showNs = kind.Namespaced && ns is null;
        string[] H(params string[] h) => showNs ? ["NAMESPACE", .. h] : h;
        string?[] R(string objNs, params string?[] cells) => showNs ? [objNs, .. cells] : cells;

        switch (kind.Name)
        {
            case "nodes":
            {
                table = new TableWriter(wide ? ["NAME", "STATUS", "INTERNAL-IP", "POD-CIDR", "PODS", "ZONE"] : ["NAME", "STATUS", "INTERNAL-IP", "POD-CIDR"]);
                var podCount = c.Pods.GroupBy(p => p.NodeName ?? "").ToDictionary(g => g.Key, g => g.Count());
                rows = c.Nodes.Where(n => Keep(null, n.Name)).Select(n => ((object)KubeObjects.Node(n), (Action<TableWriter?, bool>)((t, w) =>
                    t!.Add(w ? [n.Name, n.Ready ? "Ready" : "NotReady", n.InternalIP, n.PodCidr, podCount.GetValueOrDefault(n.Name).ToString(), n.Zone]
                             : [n.Name, n.Ready ? "Ready" : "NotReady", n.InternalIP, n.PodCidr])))).ToList();
                break;
            }
            case "namespaces":
                table = new TableWriter(wide ? ["NAME", "STATUS", "LABELS"] : ["NAME", "STATUS"]);
                rows = c.Namespaces.Where(n => Keep(null, n.Name)).Select(n => ((object)KubeObjects.Namespace(n), (Action<TableWriter?, bool>)((t, w) =>
                    t!.Add(w ? [n.Name, "Active", n.Labels.ToString()] : [n.Name, "Active"])))).ToList();
                break;
            case "pods":
                table = new TableWriter(H(wide ? ["NAME", "READY", "STATUS", "IP", "NODE", "PORTS", "SERVICE-ACCOUNT"] : ["NAME", "READY", "STATUS", "IP", "NODE"]));
                rows = c.Pods.Where(p => Keep(p.Namespace, p.Name)).Select(p => ((object)KubeObjects.Pod(p), (Action<TableWriter?, bool>)((t, w) =>
                {
                    string status = p.Terminating ? "Terminating" : p.Phase;
                    string ready = p.Ready ? "1/1" : "0/1";
                    t!.Add(R(p.Namespace, w ? [p.Name, ready, status, p.PodIP, p.NodeName, Format.ContainerPorts(p), p.ServiceAccountName] : [p.Name, ready, status, p.PodIP, p.NodeName]));
                }))).ToList();
                break;
            case "services":
                table = new TableWriter(H(wide ? ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "SELECTOR"] : ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)"]));
                rows = c.Services.Where(s => Keep(s.Namespace, s.Name)).Select(s => ((object)KubeObjects.Service(s), (Action<TableWriter?, bool>)((t, w) =>
                {
                    string?[] cells = [s.Name, s.Type.ToString(), s.ClusterIP ?? "None", Format.ExternalIP(s), Format.ServicePorts(s)];
                    t!.Add(R(s.Namespace, w ? [.. cells, s.Selector?.ToString() ?? "<none>"] : cells));
                }))).ToList();
                break;
            case "endpointslices":
                table = new TableWriter(H(wide ? ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "SERVICE", "MANAGED-BY"] : ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS"]));
                rows = c.EndpointSlices.Where(s => Keep(s.Namespace, s.Name)).Select(s => ((object)KubeObjects.Slice(s), (Action<TableWriter?, bool>)((t, w) =>
                {
                    string?[] cells = [s.Name, s.AddressType, Format.SlicePorts(s), Format.SliceEndpoints(s, w)];
                    t!.Add(R(s.Namespace, w ? [.. cells, s.ServiceName, s.ManagedBy] : cells));
                }))).ToList();
                break;
            case "ingresses":
                table = new TableWriter(H(["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS"]));
                rows = c.Input.Ingresses.Where(i => Keep(i.Namespace, i.Name)).OrderBy(i => i.Namespace, StringComparer.Ordinal).ThenBy(i => i.Name, StringComparer.Ordinal)
                    .Select(i => ((object)KubeObjects.Ingress(i), (Action<TableWriter?, bool>)((t, w) =>
                    {
                        var hosts = i.Rules.Select(r => r.Host ?? "*").Distinct().ToList();
                        t!.Add(R(i.Namespace, i.Name, i.ClassName ?? i.Annotations.Get(Ingress.ClassAnnotation) ?? "<none>",
                            hosts.Count == 0 ? "*" : string.Join(",", hosts), string.Join(",", i.LoadBalancerIngress), i.Tls.Count > 0 ? "80, 443" : "80"));
                    }))).ToList();
                break;
            case "networkpolicies":
                table = new TableWriter(H(wide ? ["NAME", "POD-SELECTOR", "POLICY-TYPES"] : ["NAME", "POD-SELECTOR"]));
                rows = c.Input.NetworkPolicies.Where(p => Keep(p.Namespace, p.Name)).OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal)
                    .Select(p => ((object)KubeObjects.Policy(p), (Action<TableWriter?, bool>)((t, w) =>
                    {
                        string sel = p.PodSelector.IsEmpty ? "<none>" : p.PodSelector.ToString();
                        string types = string.Join(",", new[] { p.AppliesToIngress ? "Ingress" : null, p.AppliesToEgress ? "Egress" : null }.Where(x => x is not null));
                        t!.Add(R(p.Namespace, w ? [p.Name, sel, types] : [p.Name, sel]));
                    }))).ToList();
                break;
            default:
            {
                table = new TableWriter(H(["NAME", "SECRETS"]));
                var accounts = ServiceAccounts(c);
                rows = accounts.Where(a => Keep(a.Namespace, a.Name)).Select(a => ((object)KubeObjects.Account(a), (Action<TableWriter?, bool>)((t, w) =>
                    t!.Add(R(a.Namespace, a.Name, "0"))))).ToList();
                break;
            }
        }

        if (name is not null && rows.Count == 0)
            throw new CliException($"{kind.Name} \"{name}\" not found{(ns is null ? "" : $" in namespace \"{ns}\"")}", ExitCodes.Failed);

        if (format is "json" or "yaml")
        {
            string json;
            if (name is not null) json = KubernetesJson.Serialize(rows[0].Api);
            else
            {
                using var ms = new MemoryStream();
                using (var w = new Utf8JsonWriter(ms))
                {
                    w.WriteStartObject();
                    w.WriteString("apiVersion", "v1");
                    w.WritePropertyName("items");
                    w.WriteStartArray();
                    foreach (var r in rows) w.WriteRawValue(KubernetesJson.Serialize(r.Api));
                    w.WriteEndArray();
                    w.WriteString("kind", "List");
                    w.WritePropertyName("metadata");
                    w.WriteStartObject();
                    w.WriteString("resourceVersion", "");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                json = System.Text.Encoding.UTF8.GetString(ms.ToArray());
            }
            if (format == "yaml") ctx.Out.Write(YamlEmitter.FromJson(json));
            else ctx.Out.WriteLine(Pretty(json));
            return ExitCodes.Ok;
        }

        if (rows.Count == 0)
        {
            ctx.Err.WriteLine(ns is null ? "No resources found" : $"No resources found in {ns} namespace.");
            return ExitCodes.Ok;
        }
        foreach (var r in rows) r.Row(table, wide);
        table.Write(ctx.Out);
        return ExitCodes.Ok;
    }

    /// <summary>Declared ServiceAccounts plus the <c>default</c> one every namespace gets.</summary>
    private static List<ServiceAccount> ServiceAccounts(DerivedCluster c)
    {
        var list = c.Input.ServiceAccounts.ToList();
        foreach (var n in c.Namespaces)
            if (!list.Any(a => a.Namespace == n.Name && a.Name == "default"))
                list.Add(new ServiceAccount(n.Name, "default", Labels.Empty, true, SourceLocation.Generated));
        return list.OrderBy(a => a.Namespace, StringComparer.Ordinal).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();
    }

    private static string Pretty(string json)
    {
        using var doc = JsonDocument.Parse(json);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            doc.WriteTo(w);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }
}
