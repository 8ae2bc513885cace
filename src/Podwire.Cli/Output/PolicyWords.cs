using Podwire.Model;
using Podwire.Policy.Admin;

namespace Podwire.Cli.Output;

/// <summary>
/// Policy rules as sentences a person reads: "pods labelled app=web in namespace shop on TCP
/// port http (8080)". Selectors of the form kubernetes.io/metadata.name=X read as "namespace X".
/// </summary>
public static class PolicyWords
{
    public static string Selector(LabelSelector s) => s.ToString();

    public static string Namespaces(LabelSelector s)
    {
        if (s.IsEmpty) return "all namespaces";
        if (s.MatchExpressions.Count == 0 && s.MatchLabels.Count == 1 && s.MatchLabels.Get(ClusterNamespace.NameLabel) is { } name)
            return $"namespace {name}";
        foreach (var e in s.MatchExpressions)
            if (s.MatchLabels.Count == 0 && s.MatchExpressions.Count == 1 && e.Key == ClusterNamespace.NameLabel && e.Operator == SelectorOperator.In)
                return $"namespaces {string.Join(", ", e.Values)}";
        return $"namespaces labelled {s}";
    }

    public static string Pods(LabelSelector s) => s.IsEmpty ? "all pods" : $"pods labelled {s}";

    /// <summary>A NetworkPolicy peer, in a policy of namespace <paramref name="policyNs"/>.</summary>
    public static string Peer(PolicyPeer p, string policyNs)
    {
        if (p.IpBlock is { } b)
            return $"addresses in {b.Cidr}" + (b.Except.Count == 0 ? "" : $" except {string.Join(", ", b.Except)}");
        if (p.NamespaceSelector is null) return $"{Pods(p.PodSelector ?? LabelSelector.Everything)} in namespace {policyNs}";
        return $"{Pods(p.PodSelector ?? LabelSelector.Everything)} in {Namespaces(p.NamespaceSelector)}";
    }

    /// <summary>A NetworkPolicy port; a named port is resolved against <paramref name="target"/> when given.</summary>
    public static string Port(PolicyPort p, Pod? target)
    {
        if (p.Port is not { } port) return $"any {p.Protocol} port";
        if (port.IsName)
        {
            var cp = target?.Ports.FirstOrDefault(c => c.Name == port.Name && c.Protocol == p.Protocol);
            return cp is null ? $"{p.Protocol} port named {port.Name}" : $"{p.Protocol} port {port.Name} ({cp.Port})";
        }
        return p.EndPort is { } end && end != port.Number ? $"{p.Protocol} ports {port.Number}-{end}" : $"{p.Protocol} port {port.Number}";
    }

    /// <summary>One NetworkPolicy rule: "from X or Y on TCP port 80".</summary>
    public static string Rule(PolicyRule r, bool ingress, string policyNs, Pod? portTarget)
    {
        string peers = r.Peers is null ? (ingress ? "from anywhere" : "to anywhere")
            : r.Peers.Count == 0 ? (ingress ? "from nowhere" : "to nowhere")
            : (ingress ? "from " : "to ") + string.Join(" or ", r.Peers.Select(p => Peer(p, policyNs)));
        string ports = r.Ports.Count == 0 ? "on any port" : "on " + string.Join(" or ", r.Ports.Select(p => Port(p, portTarget)));
        return $"{peers} {ports}";
    }

    public static string AdminPeer(AdminPeer p)
    {
        if (p.Namespaces is { } ns) return $"all pods in {Namespaces(ns)}";
        if (p.Pods is { } pods) return $"{Pods(pods.PodSelector)} in {Namespaces(pods.NamespaceSelector)}";
        if (p.Nodes is { } nodes) return nodes.IsEmpty ? "all nodes" : $"nodes labelled {nodes}";
        if (p.Networks is { } nets) return $"addresses in {string.Join(", ", nets)}";
        return "nothing (an empty peer matches nothing)";
    }

    public static string AdminPort(AdminPort p) =>
        p.PortNumber is { } n ? $"{n.Protocol} port {n.Port}"
        : p.NamedPort is { } name ? $"port named {name}"
        : p.PortRange is { } r ? $"{r.Protocol} ports {r.Start}-{r.End}"
        : "no port";

    public static string AdminRule(AdminRule r, bool ingress)
    {
        string peers = (ingress ? "from " : "to ") + string.Join(" or ", r.Peers.Select(AdminPeer));
        string ports = r.Ports is null ? "on any port" : "on " + string.Join(" or ", r.Ports.Select(AdminPort));
        return $"{r.RawAction} {peers} {ports}";
    }

    public static string AdminSubject(AdminSubject s) =>
        s.Namespaces is { } ns ? $"all pods in {Namespaces(ns)}"
        : s.Pods is { } p ? $"{Pods(p.PodSelector)} in {Namespaces(p.NamespaceSelector)}"
        : "nothing";
}
