using Podwire.Controllers;
using Podwire.Model;
using Podwire.Model.Net;
using Podwire.Policy.Admin;
using Podwire.Policy.Identity;

namespace Podwire.Policy.Ir;

/// <summary>Compiles NetworkPolicies and admin policies into the per-identity <see cref="PolicyIr"/>.</summary>
public static class IrBuilder
{
    public static PolicyIr Build(DerivedCluster cluster, IdentityTable ids, IReadOnlyList<AdminPolicy> admin)
    {
        var index = new SelectorIndex(ids);
        int n = ids.Capacity;
        var ing = new Acc[n];
        var egr = new Acc[n];
        var peerCache = new Dictionary<PolicyPeer, IrPeer>(ReferenceEqualityComparer.Instance);

        foreach (var np in cluster.Input.NetworkPolicies)
        {
            var selected = index.InNamespace(np.Namespace);
            List<SecurityIdentity>? subjects = null;
            foreach (var id in selected)
                if (np.PodSelector.Matches(id.PodLabels)) (subjects ??= []).Add(id);
            if (subjects is null) continue;
            if (np.AppliesToIngress) AddNpDirection(np, np.Ingress, subjects, ing, Direction.Ingress, index, peerCache);
            if (np.AppliesToEgress) AddNpDirection(np, np.Egress, subjects, egr, Direction.Egress, index, peerCache);
        }

        foreach (var ap in admin)
        {
            var subjects = AdminSubjects(ap, index);
            if (subjects.Count == 0) continue;
            AddAdminDirection(ap, ap.Ingress, subjects, ing, Direction.Ingress, cluster, index);
            AddAdminDirection(ap, ap.Egress, subjects, egr, Direction.Egress, cluster, index);
        }
        return new PolicyIr(Freeze(ing), Freeze(egr));
    }

    private sealed class Acc
    {
        public bool Isolated;
        public readonly List<IrAllow> Allows = [];
        public readonly List<string> Isolating = [];
        public readonly List<IrAdminRule> Admin = [];
        public readonly List<IrAdminRule> Baseline = [];
    }

    private static Acc At(Acc[] accs, int id) => accs[id] ??= new Acc();

    private static DirectionIr[] Freeze(Acc[] accs)
    {
        var r = new DirectionIr[accs.Length];
        for (int i = 0; i < accs.Length; i++)
        {
            var a = accs[i];
            r[i] = a is null ? DirectionIr.Open : new DirectionIr(a.Isolated, a.Allows.ToArray(), a.Isolating.ToArray(), a.Admin.ToArray(), a.Baseline.ToArray());
        }
        return r;
    }

    private static void AddNpDirection(NetworkPolicy np, IReadOnlyList<PolicyRule> rules, List<SecurityIdentity> subjects,
        Acc[] accs, Direction dir, SelectorIndex index, Dictionary<PolicyPeer, IrPeer> peerCache)
    {
        foreach (var s in subjects)
        {
            var acc = At(accs, s.Id);
            acc.Isolated = true;
            acc.Isolating.Add(np.Key);
        }
        for (int r = 0; r < rules.Count; r++)
        {
            var rule = rules[r];
            var peers = rule.Peers is null ? [IrPeer.Any] : NpPeers(np.Namespace, rule.Peers, index, peerCache);
            var ports = MatchCompiler.FromPolicyPorts(rule.Ports);
            var source = new NpRuleRef(np.Namespace, np.Name, r);
            // Without named ports (or for egress) the clauses do not depend on the subject: compile once.
            List<IrMatch>? shared = dir == Direction.Egress ? MatchCompiler.Egress(peers, ports, index)
                : ports.HasNames ? null : MatchCompiler.Ingress(peers, ports, subjects[0]);
            foreach (var s in subjects)
            {
                var matches = shared ?? MatchCompiler.Ingress(peers, ports, s);
                var acc = At(accs, s.Id);
                foreach (var m in matches) acc.Allows.Add(new IrAllow(m, source));
            }
        }
    }

    private static List<IrPeer> NpPeers(string ns, IReadOnlyList<PolicyPeer> peers, SelectorIndex index, Dictionary<PolicyPeer, IrPeer> cache)
    {
        var blocks = index.BlockPeers;
        var list = new List<IrPeer>(peers.Count);
        foreach (var p in peers)
        {
            if (!cache.TryGetValue(p, out var ir))
            {
                if (p.IpBlock is { } b)
                {
                    // Shared by content so the evaluator computes each distinct block once.
                    string key = "\0b" + b.Cidr + "\0" + string.Join(",", b.Except);
                    if (!blocks.TryGetValue(key, out ir)) blocks[key] = ir = new IrPeer(null, new IrBlock([b.Cidr], b.Except));
                }
                else if (p.NamespaceSelector is { } nsSel) ir = new IrPeer(index.Across(nsSel, p.PodSelector), null);
                else ir = new IrPeer(index.InNamespace(ns, p.PodSelector ?? LabelSelector.Everything), null);
                cache[p] = ir;
            }
            list.Add(ir);
        }
        return list;
    }

    /// <summary>The identities an admin policy's subject selects: the one definition, used by the IR and by <c>explain</c>.</summary>
    internal static IdentitySet AdminSubjectSet(AdminPolicy ap, SelectorIndex index) =>
        ap.Subject.Namespaces is { } ns ? index.Across(ns, null)
        : ap.Subject.Pods is { } pods ? index.Across(pods.NamespaceSelector, pods.PodSelector)
        : IdentitySet.Empty;

    private static List<SecurityIdentity> AdminSubjects(AdminPolicy ap, SelectorIndex index)
    {
        var list = new List<SecurityIdentity>();
        foreach (var idn in AdminSubjectSet(ap, index).Ids()) list.Add(index.Identity(idn));
        return list;
    }

    private static void AddAdminDirection(AdminPolicy ap, IReadOnlyList<AdminRule> rules, List<SecurityIdentity> subjects,
        Acc[] accs, Direction dir, DerivedCluster cluster, SelectorIndex index)
    {
        for (int r = 0; r < rules.Count; r++)
        {
            var rule = rules[r];
            IrAction action;
            switch (rule.Action)
            {
                case AdminAction.Allow: action = IrAction.Allow; break;
                case AdminAction.Deny: action = IrAction.Deny; break;
                case AdminAction.Pass when !ap.IsBaseline: action = IrAction.Pass; break;
                default: continue; // invalid; the validator has reported it
            }
            var peers = AdminPeers(rule, action, dir, cluster, index);
            var ports = AdminPorts(rule.Ports);
            var source = new AdminRuleRef(ap.Name, ap.IsBaseline, ap.Priority, r, rule.Name);
            List<IrMatch>? shared = dir == Direction.Egress ? MatchCompiler.Egress(peers, ports, index)
                : ports.HasNames ? null : MatchCompiler.Ingress(peers, ports, subjects[0]);
            foreach (var s in subjects)
            {
                var matches = shared ?? MatchCompiler.Ingress(peers, ports, s);
                var acc = At(accs, s.Id);
                (ap.IsBaseline ? acc.Baseline : acc.Admin).Add(new IrAdminRule(source, action, matches));
            }
        }
    }

    private static List<IrPeer> AdminPeers(AdminRule rule, IrAction action, Direction dir, DerivedCluster cluster, SelectorIndex index)
    {
        var list = new List<IrPeer>();
        foreach (var p in rule.Peers)
        {
            if (p.Namespaces is { } ns) list.Add(new IrPeer(index.Across(ns, null), null));
            else if (p.Pods is { } pods) list.Add(new IrPeer(index.Across(pods.NamespaceSelector, pods.PodSelector), null));
            else if (dir == Direction.Egress && p.Networks is not null) list.Add(new IrPeer(null, new IrBlock(p.ParsedNetworks(), [])));
            else if (dir == Direction.Egress && p.Nodes is { } nodeSel) list.Add(new IrPeer(null, new IrBlock(NodeAddresses(cluster, nodeSel), [])));
            else if (p.FieldCount == 0 && action != IrAction.Allow) list.Add(IrPeer.Any); // fails closed (SPECS 1.4)
        }
        return list;
    }

    private static List<Cidr> NodeAddresses(DerivedCluster cluster, LabelSelector selector)
    {
        var list = new List<Cidr>();
        foreach (var node in cluster.Nodes)
            if (node.InternalIP is { } ip && selector.Matches(node.Labels) && System.Net.IPAddress.TryParse(ip, out var addr))
                list.Add(new Cidr(addr, addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
        return list;
    }

    private static PortSpec AdminPorts(IReadOnlyList<AdminPort>? ports)
    {
        if (ports is null || ports.Count == 0) return PortSpec.Any;
        var spec = new PortSpec(false, [], []);
        foreach (var p in ports)
        {
            if (p.PortNumber is { } n) spec.Ranges.Add(new IrPortRange(n.Protocol, n.Port, n.Port));
            else if (p.PortRange is { } r) spec.Ranges.Add(new IrPortRange(r.Protocol, r.Start, r.End));
            else if (p.NamedPort is { } name) spec.Names.Add((name, null));
        }
        return spec;
    }
}
