using System.CommandLine;
using Podwire.Cli.Output;
using Podwire.Model;
using Podwire.Policy.Admin;
using Podwire.Policy.Engine;
using Podwire.Policy.Identity;

namespace Podwire.Cli.Commands;

/// <summary><c>podwire explain -f P NS/POD</c>: what isolates a pod and what it may reach, in sentences.</summary>
public static class ExplainCommand
{
    private const int MaxListed = 10;

    public static Command Create(CommandContext ctx)
    {
        var podArg = new Argument<string>("pod") { Description = "The pod, as NAMESPACE/NAME." };
        var cmd = new Command("explain",
            "Explain in sentences which policies apply to a pod: the admin policies that select it, the\n" +
            "NetworkPolicies that isolate it per direction and each of their rules, then which pods it\n" +
            "may reach and be reached by on the ports the pods declare.\n\n" +
            "Examples:\n  podwire explain -f examples/ shop/web-0\n  podwire explain -f cluster.yaml -f policy.yaml x/a");
        cmd.Options.Add(CliOptions.Files);
        cmd.Arguments.Add(podArg);
        cmd.SetAction(pr =>
        {
            var (ns, name) = CliOptions.NsName("pod", pr.GetValue(podArg)!);
            var engine = PolicyFlags.Build(pr, ctx.Err);
            var pod = engine.Cluster.FindPod(ns, name) ?? throw new CliException($"pod \"{ns}/{name}\" not found", ExitCodes.Failed);
            Write(ctx.Out, engine, pod);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void Write(TextWriter o, PolicyEngine engine, Pod pod)
    {
        var cluster = engine.Cluster;
        var nsLabels = IdentityTable.NamespaceLabels(cluster, pod.Namespace);
        o.WriteLine($"Pod {pod.Key} (labels {pod.Labels}) in namespace {pod.Namespace} (labels {nsLabels}).");
        if (pod.HostNetwork)
        {
            o.WriteLine("It uses the host network: policies do not apply to it; it has its node's address.");
            return;
        }
        var admin = engine.AdminPoliciesSelecting(pod);
        foreach (bool ingress in new[] { true, false })
        {
            string dir = ingress ? "ingress" : "egress";
            o.WriteLine();
            o.WriteLine($"{char.ToUpperInvariant(dir[0])}{dir[1..]}:");
            foreach (var a in admin.Where(a => !a.IsBaseline))
                WriteAdmin(o, a, ingress ? a.Ingress : a.Egress, ingress);
            var nps = cluster.Input.NetworkPolicies
                .Where(np => np.Namespace == pod.Namespace && (ingress ? np.AppliesToIngress : np.AppliesToEgress) && np.PodSelector.Matches(pod.Labels))
                .ToList();
            if (nps.Count == 0)
                o.WriteLine($"  No NetworkPolicy selects it: not isolated for {dir}: every connection allowed" +
                    (admin.Count > 0 ? " unless an admin rule above or the baseline below decides." : "."));
            else
            {
                o.WriteLine($"  Isolated for {dir} by NetworkPolicy {string.Join(", ", nps.Select(n => n.Key))}; only what a rule allows gets {(ingress ? "in" : "out")}:");
                int total = 0;
                foreach (var np in nps)
                {
                    var rules = ingress ? np.Ingress : np.Egress;
                    total += rules.Count;
                    for (int i = 0; i < rules.Count; i++)
                        o.WriteLine($"    {np.Key} rule {i}: allows {PolicyWords.Rule(rules[i], ingress, np.Namespace, ingress ? pod : null)}");
                }
                if (total == 0) o.WriteLine($"    no rule allows anything: all {dir} is denied (except {(ingress ? "from itself and its node" : "to itself")}).");
            }
            foreach (var a in admin.Where(a => a.IsBaseline))
                WriteAdmin(o, a, ingress ? a.Ingress : a.Egress, ingress);
        }
        WriteReach(o, engine, pod);
    }

    private static void WriteAdmin(TextWriter o, AdminPolicy a, IReadOnlyList<AdminRule> rules, bool ingress)
    {
        string who = a.IsBaseline ? "BaselineAdminNetworkPolicy default (applies only where no NetworkPolicy isolates)"
            : $"AdminNetworkPolicy {a.Name} (priority {a.Priority}, before NetworkPolicy)";
        if (rules.Count == 0) { o.WriteLine($"  {who} selects it ({PolicyWords.AdminSubject(a.Subject)}) but has no {(ingress ? "ingress" : "egress")} rules."); return; }
        o.WriteLine($"  {who} selects it ({PolicyWords.AdminSubject(a.Subject)}):");
        for (int i = 0; i < rules.Count; i++)
            o.WriteLine($"    rule {i}{(rules[i].Name is { } n ? $" ({n})" : "")}: {PolicyWords.AdminRule(rules[i], ingress)}");
    }

    /// <summary>The concrete outcome: for every declared container port, which pods get through.</summary>
    private static void WriteReach(TextWriter o, PolicyEngine engine, Pod pod)
    {
        var pods = engine.Cluster.Pods.Where(p => !ReferenceEquals(p, pod)).ToList();
        o.WriteLine();
        o.WriteLine($"Reached by (of {pods.Count} other pod{(pods.Count == 1 ? "" : "s")}, on the ports {pod.Name} declares):");
        var own = pod.Ports.Select(p => (p.Port, p.Protocol)).Distinct().ToList();
        if (own.Count == 0) o.WriteLine("  it declares no container ports.");
        foreach (var (port, proto) in own)
        {
            var ok = pods.Where(p => engine.Reach(NetEndpoint.Of(p), NetEndpoint.Of(pod), port, proto).Allowed).Select(p => p.Key).ToList();
            o.WriteLine($"  {port}/{proto}: {List(ok, pods.Count)}");
        }
        o.WriteLine();
        o.WriteLine("May reach (on the ports each destination declares):");
        var targets = pods.SelectMany(p => p.Ports.Select(c => (Pod: p, c.Port, c.Protocol))).Distinct().ToList();
        if (targets.Count == 0) o.WriteLine("  no other pod declares a container port.");
        foreach (var g in targets.GroupBy(t => (t.Port, t.Protocol)).OrderBy(g => g.Key.Protocol).ThenBy(g => g.Key.Port))
        {
            var all = g.Select(t => t.Pod).Distinct().ToList();
            var ok = all.Where(p => engine.Reach(NetEndpoint.Of(pod), NetEndpoint.Of(p), g.Key.Port, g.Key.Protocol).Allowed).Select(p => p.Key).ToList();
            o.WriteLine($"  {g.Key.Port}/{g.Key.Protocol}: {List(ok, all.Count)}");
        }
    }

    private static string List(List<string> names, int of)
    {
        if (names.Count == 0) return $"none of {of}";
        string head = names.Count == of ? $"all {of}" : $"{names.Count} of {of}";
        string listed = string.Join(", ", names.Take(MaxListed)) + (names.Count > MaxListed ? $", … ({names.Count - MaxListed} more)" : "");
        return $"{head}: {listed}";
    }
}
