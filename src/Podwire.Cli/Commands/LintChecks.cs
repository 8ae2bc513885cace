using Podwire.Controllers;
using Podwire.Model;
using Podwire.Model.Net;
using Podwire.Policy.Admin;
using Podwire.Policy.Engine;
using Podwire.Policy.Identity;

namespace Podwire.Cli.Commands;

/// <summary>One lint finding: where, which object, what looks wrong.</summary>
public sealed record LintWarning(SourceLocation Location, string Object, string Message)
{
    public override string ToString() => $"warning: {Location}: {Object}: {Message}";
}

/// <summary>
/// Policy mistakes that are legal but almost never meant. Each check is deliberately simple and
/// conservative (a warning should be worth reading): subsets are judged on equal peers/ports.
/// </summary>
public static class LintChecks
{
    public static IReadOnlyList<LintWarning> Run(PolicyEngine engine)
    {
        var cluster = engine.Cluster;
        var warnings = new List<LintWarning>();
        var pods = cluster.Pods.Where(p => !p.HostNetwork).ToList();
        var nsLabels = new Dictionary<string, Labels>(StringComparer.Ordinal);
        foreach (var ns in cluster.Namespaces) nsLabels[ns.Name] = IdentityTable.NamespaceLabels(cluster, ns.Name);
        foreach (var p in pods) if (!nsLabels.ContainsKey(p.Namespace)) nsLabels[p.Namespace] = IdentityTable.NamespaceLabels(cluster, p.Namespace);
        var podCidrs = PodCidrs(cluster);
        // Pods every cluster runs without the manifests showing them (the DNS pods, the ingress
        // controller: the lab's add-ons): a peer for them is the usual "allow DNS", not dead.
        var extended = Podwire.Lab.Daemon.LabCluster.WithAddOns(cluster);
        var addOns = extended.Pods.Where(Podwire.Controllers.AddOns.LabAddOns.IsAddOn).ToList();
        foreach (var p in addOns) if (!nsLabels.ContainsKey(p.Namespace)) nsLabels[p.Namespace] = IdentityTable.NamespaceLabels(extended, p.Namespace);

        foreach (var np in cluster.Input.NetworkPolicies)
        {
            void Warn(string m) => warnings.Add(new LintWarning(np.Location, $"NetworkPolicy {np.Key}", m));
            var selected = pods.Where(p => p.Namespace == np.Namespace && np.PodSelector.Matches(p.Labels)).ToList();
            if (selected.Count == 0)
                Warn($"spec.podSelector ({(np.PodSelector.IsEmpty ? "all pods" : np.PodSelector.ToString())}) selects no pod in namespace {np.Namespace}: the policy has no effect");
            foreach (var (rules, ingress) in new[] { (np.Ingress, true), (np.Egress, false) })
            {
                string dir = ingress ? "ingress" : "egress";
                string peersField = ingress ? "from" : "to";
                for (int r = 0; r < rules.Count; r++)
                {
                    var rule = rules[r];
                    if (rule.Peers is { } peers)
                        for (int k = 0; k < peers.Count; k++)
                        {
                            var peer = peers[k];
                            string field = $"spec.{dir}[{r}].{peersField}[{k}]";
                            if (peer.IpBlock is { } block)
                            {
                                foreach (var pc in podCidrs)
                                    if (block.Cidr.Overlaps(pc) && !block.Except.Any(e => e.Contains(pc)))
                                    {
                                        Warn($"{field}.ipBlock {block.Cidr} overlaps the pod network {pc}: ipBlocks match pod addresses too, so it also {(ingress ? "admits" : "allows")} pods there");
                                        break;
                                    }
                            }
                            else if (!pods.Any(p => PeerMatches(peer, np.Namespace, p, nsLabels)) && !addOns.Any(p => PeerMatches(peer, np.Namespace, p, nsLabels)))
                                Warn($"{field} matches no pod ({Output.PolicyWords.Peer(peer, np.Namespace)})");
                        }
                    foreach (var port in rule.Ports)
                    {
                        if (port.Port is not { IsName: true } named) continue;
                        var dests = ingress ? selected : rule.Peers is null ? pods
                            : pods.Where(p => rule.Peers.Any(pe => pe.IpBlock is null && PeerMatches(pe, np.Namespace, p, nsLabels))).ToList();
                        if (!dests.Any(p => p.Ports.Any(c => c.Name == named.Name && c.Protocol == port.Protocol)))
                            Warn($"spec.{dir}[{r}].ports: named port {named.Name}/{port.Protocol} is defined by no {(ingress ? "selected" : "destination")} pod: the rule matches no port");
                    }
                    for (int o = 0; o < rules.Count; o++)
                    {
                        if (o == r || !Covers(rules[o], rule)) continue;
                        // Identical rules: report only the later one.
                        if (Covers(rule, rules[o]) && o > r) continue;
                        Warn($"spec.{dir}[{r}] is shadowed by spec.{dir}[{o}]: everything it allows, rule {o} allows already");
                        break;
                    }
                }
            }
        }

        var anps = engine.AdminPolicies.Where(a => !a.IsBaseline).ToList();
        for (int i = 0; i < anps.Count; i++)
            for (int j = i + 1; j < anps.Count; j++)
            {
                var a = anps[i];
                var b = anps[j];
                if (a.Priority != b.Priority) continue;
                var both = pods.FirstOrDefault(p => Selects(a.Subject, p, nsLabels[p.Namespace]) && Selects(b.Subject, p, nsLabels[p.Namespace]));
                if (both is not null)
                    warnings.Add(new LintWarning(b.Location, $"AdminNetworkPolicy {b.Name}",
                        $"spec.priority {b.Priority} ties with AdminNetworkPolicy {a.Name} and both select {both.Key}: their order is undefined upstream"));
            }
        warnings.Sort((x, y) =>
        {
            int c = string.CompareOrdinal(x.Location.File, y.Location.File);
            return c != 0 ? c : x.Location.Line.CompareTo(y.Location.Line);
        });
        return warnings;
    }

    private static List<Cidr> PodCidrs(DerivedCluster cluster)
    {
        var list = new List<Cidr> { cluster.Options.ClusterCidr };
        foreach (var n in cluster.Nodes)
            foreach (var c in n.PodCidrs.Append(n.PodCidr ?? ""))
                if (Cidr.TryParse(c, out var cidr) && !list.Any(l => l.Contains(cidr))) list.Add(cidr);
        return list;
    }

    private static bool PeerMatches(PolicyPeer peer, string policyNs, Pod p, Dictionary<string, Labels> nsLabels)
    {
        if (peer.IpBlock is not null) return false;
        bool nsOk = peer.NamespaceSelector is { } nss ? nss.Matches(nsLabels[p.Namespace]) : p.Namespace == policyNs;
        return nsOk && (peer.PodSelector is null || peer.PodSelector.Matches(p.Labels));
    }

    /// <summary>Whether rule <paramref name="big"/> allows everything <paramref name="small"/> does (simple, syntactic cases).</summary>
    private static bool Covers(PolicyRule big, PolicyRule small)
    {
        bool peers = big.Peers is null || (small.Peers is { } sp && sp.Count > 0 && sp.All(p => big.Peers.Any(b => SamePeer(b, p))));
        bool ports = big.Ports.Count == 0 || (small.Ports.Count > 0 && small.Ports.All(p => big.Ports.Contains(p)));
        return peers && ports;
    }

    private static bool SamePeer(PolicyPeer a, PolicyPeer b) =>
        Equals(a.PodSelector, b.PodSelector) && Equals(a.NamespaceSelector, b.NamespaceSelector) &&
        (a.IpBlock, b.IpBlock) switch
        {
            (null, null) => true,
            ({ } x, { } y) => x.Cidr == y.Cidr && x.Except.SequenceEqual(y.Except),
            _ => false,
        };

    private static bool Selects(AdminSubject s, Pod pod, Labels nsLabels) =>
        s.Namespaces is { } ns ? ns.Matches(nsLabels)
        : s.Pods is { } p && p.NamespaceSelector.Matches(nsLabels) && p.PodSelector.Matches(pod.Labels);
}
