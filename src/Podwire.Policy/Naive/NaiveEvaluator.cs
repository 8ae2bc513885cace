using System.Net;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Policy.Admin;
using Podwire.Policy.Engine;

namespace Podwire.Policy.Naive;

/// <summary>
/// A deliberately naive evaluator, written straight from SPECS 1.1 and 1.4: one pair at a time,
/// every policy and rule scanned on every query, no identities, no indexes, no IR. Slow on
/// purpose; property tests check the fast engine against it.
/// </summary>
public sealed class NaiveEvaluator(DerivedCluster cluster, IReadOnlyList<AdminPolicy> admin)
{
    public static NaiveEvaluator Build(DerivedCluster cluster) =>
        new(cluster, AdminPolicyReader.ReadAll(cluster.Input.Other, []));

    public readonly record struct Result(bool Allowed, bool EgressAllowed, bool IngressAllowed);

    /// <summary>One end: a pod that policy applies to, or an address (with the node it belongs to, if any).</summary>
    private sealed record End(Pod? Pod, IPAddress? Ip, string? Node);

    public Result Reach(NetEndpoint from, NetEndpoint to, int port, Protocol proto)
    {
        var src = Resolve(from);
        var dst = Resolve(to);
        if (src.Pod is not null && ReferenceEquals(src.Pod, dst.Pod)) return new Result(true, true, true);
        bool egress = src.Pod is null || Decide(egress: true, src.Pod, dst, port, proto);
        bool ingress;
        if (dst.Pod is null) ingress = true;
        else if (src.Pod is null && src.Node is not null && src.Node == dst.Pod.NodeName) ingress = true;
        else ingress = Decide(egress: false, dst.Pod, src, port, proto);
        return new Result(egress && ingress, egress, ingress);
    }

    private End Resolve(NetEndpoint e)
    {
        if (e.Pod is { } pod)
        {
            foreach (var p in cluster.Pods)
                if (ReferenceEquals(p, pod)) return pod.HostNetwork ? new End(null, HostIp(pod), pod.NodeName) : new End(pod, Parse(pod.PodIP), pod.NodeName);
            return new End(null, Parse(pod.PodIP), null);
        }
        var ip = e.Address!;
        foreach (var p in cluster.Pods)
            if (!p.HostNetwork && Parse(p.PodIP) is { } pip && pip.Equals(ip)) return new End(p, ip, p.NodeName);
        foreach (var n in cluster.Nodes)
            if (Parse(n.InternalIP) is { } nip && nip.Equals(ip)) return new End(null, ip, n.Name);
        foreach (var p in cluster.Pods)
            if (p.HostNetwork && HostIp(p) is { } hip && hip.Equals(ip)) return new End(null, ip, p.NodeName);
        return new End(null, ip, null);
    }

    private IPAddress? HostIp(Pod pod)
    {
        if (Parse(pod.PodIP) is { } ip) return ip;
        foreach (var n in cluster.Nodes) if (n.Name == pod.NodeName) return Parse(n.InternalIP);
        return null;
    }

    private static IPAddress? Parse(string? s) => s is not null && IPAddress.TryParse(s, out var ip) ? ip : null;

    private Labels NsLabels(string ns)
    {
        foreach (var n in cluster.Namespaces)
            if (n.Name == ns) return n.Labels.With(ClusterNamespace.NameLabel, ns);
        return Labels.Of((ClusterNamespace.NameLabel, ns));
    }

    /// <summary>One direction for <paramref name="subject"/>; <paramref name="remote"/> is the other end.</summary>
    private bool Decide(bool egress, Pod subject, End remote, int port, Protocol proto)
    {
        // The destination of the traffic, against which named ports resolve.
        Pod? destination = egress ? remote.Pod : subject;

        // 1. Admin policies: ascending priority, then name (ties are undefined upstream), then rule order.
        var anps = admin.Where(a => !a.IsBaseline).OrderBy(a => a.Priority ?? 0).ThenBy(a => a.Name, StringComparer.Ordinal);
        bool passed = false;
        foreach (var anp in anps)
        {
            if (passed || !SubjectMatches(anp.Subject, subject)) continue;
            foreach (var rule in egress ? anp.Egress : anp.Ingress)
            {
                if (rule.Action is AdminAction.Unknown) continue;
                if (!AdminRuleMatches(rule, egress, remote, destination, port, proto)) continue;
                if (rule.Action == AdminAction.Pass) { passed = true; break; }
                return rule.Action == AdminAction.Allow;
            }
        }

        // 2. NetworkPolicy: isolated iff some policy selects the pod for this direction; then the union decides.
        bool isolated = false, allowed = false;
        foreach (var np in cluster.Input.NetworkPolicies)
        {
            if (np.Namespace != subject.Namespace || !np.PodSelector.Matches(subject.Labels)) continue;
            if (egress ? !np.AppliesToEgress : !np.AppliesToIngress) continue;
            isolated = true;
            foreach (var rule in egress ? np.Egress : np.Ingress)
            {
                bool peerOk = rule.Peers is null || rule.Peers.Any(p => NpPeerMatches(np, p, remote));
                bool portOk = rule.Ports.Count == 0 || rule.Ports.Any(p => NpPortMatches(p, destination, port, proto));
                if (peerOk && portOk) allowed = true;
            }
        }
        if (isolated) return allowed;

        // 3. Baseline, first matching rule; 4. otherwise allowed.
        foreach (var banp in admin.Where(a => a.IsBaseline))
        {
            if (!SubjectMatches(banp.Subject, subject)) continue;
            foreach (var rule in egress ? banp.Egress : banp.Ingress)
            {
                if (rule.Action is AdminAction.Unknown or AdminAction.Pass) continue;
                if (AdminRuleMatches(rule, egress, remote, destination, port, proto)) return rule.Action == AdminAction.Allow;
            }
        }
        return true;
    }

    private bool NpPeerMatches(NetworkPolicy np, PolicyPeer peer, End remote)
    {
        if (peer.IpBlock is { } block)
            return remote.Ip is { } ip && block.Cidr.Contains(ip) && !block.Except.Any(x => x.Contains(ip));
        if (remote.Pod is not { } pod) return false;
        if (peer.NamespaceSelector is null)
            return pod.Namespace == np.Namespace && (peer.PodSelector ?? LabelSelector.Everything).Matches(pod.Labels);
        return peer.NamespaceSelector.Matches(NsLabels(pod.Namespace)) && (peer.PodSelector is null || peer.PodSelector.Matches(pod.Labels));
    }

    private static bool NpPortMatches(PolicyPort p, Pod? destination, int port, Protocol proto)
    {
        if (p.Protocol != proto) return false;
        if (p.Port is not { } pr) return true;
        if (pr.Name is { } name) return destination is not null && destination.ResolvePort(name, proto) == port;
        return port >= pr.Number && port <= (p.EndPort ?? pr.Number);
    }

    private bool SubjectMatches(AdminSubject s, Pod pod)
    {
        if (s.Namespaces is { } ns) return ns.Matches(NsLabels(pod.Namespace));
        if (s.Pods is { } p) return p.NamespaceSelector.Matches(NsLabels(pod.Namespace)) && p.PodSelector.Matches(pod.Labels);
        return false;
    }

    private bool AdminRuleMatches(AdminRule rule, bool egress, End remote, Pod? destination, int port, Protocol proto)
    {
        bool peerOk = false;
        foreach (var peer in rule.Peers)
            if (AdminPeerMatches(peer, rule.Action, egress, remote)) { peerOk = true; break; }
        if (!peerOk) return false;
        if (rule.Ports is null || rule.Ports.Count == 0) return true;
        foreach (var p in rule.Ports)
        {
            if (p.PortNumber is { } n && n.Protocol == proto && n.Port == port) return true;
            if (p.PortRange is { } r && r.Protocol == proto && port >= r.Start && port <= r.End) return true;
            if (p.PortNumber is null && p.PortRange is null && p.NamedPort is { } name && destination is not null &&
                destination.Ports.Any(cp => cp.Name == name && cp.Protocol == proto && cp.Port == port)) return true;
        }
        return false;
    }

    private bool AdminPeerMatches(AdminPeer peer, AdminAction action, bool egress, End remote)
    {
        if (peer.Namespaces is { } ns) return remote.Pod is { } a && ns.Matches(NsLabels(a.Namespace));
        if (peer.Pods is { } ps)
            return remote.Pod is { } b && ps.NamespaceSelector.Matches(NsLabels(b.Namespace)) && ps.PodSelector.Matches(b.Labels);
        if (peer.Networks is not null)
            return egress && remote.Ip is { } ip && peer.ParsedNetworks().Any(c => c.Contains(ip));
        if (peer.Nodes is { } sel)
            return egress && remote.Ip is { } nip && cluster.Nodes.Any(n => sel.Matches(n.Labels) && Parse(n.InternalIP) is { } x && x.Equals(nip));
        // No field set: fails closed (SPECS 1.4).
        return action != AdminAction.Allow;
    }
}
