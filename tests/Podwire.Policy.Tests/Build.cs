using Podwire.Controllers;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Policy.Tests;

/// <summary>Builds model records directly (no YAML), for generated clusters.</summary>
internal static class Build
{
    public static Pod Pod(string ns, string name, Labels labels, string? ip, string? node = null, bool hostNetwork = false,
        IReadOnlyList<ContainerPort>? ports = null) =>
        new PodBuilder(ns, name).Labels(labels).Node(node).Ip(ip).HostNetwork(hostNetwork).Ports(ports ?? []).Build();

    public static ClusterNamespace Namespace(string name, Labels labels) =>
        new(name, labels.With(ClusterNamespace.NameLabel, name), Labels.Empty, SourceLocation.Generated);

    public static Node Node(string name, string ip) =>
        new(name, Labels.Of(("kubernetes.io/hostname", name)), null, [], ip, true, SourceLocation.Generated);

    public static DerivedCluster Cluster(IReadOnlyList<ClusterNamespace> namespaces, IReadOnlyList<Node> nodes, IReadOnlyList<Pod> pods,
        IReadOnlyList<NetworkPolicy> policies, IReadOnlyList<RawObject>? other = null)
    {
        var model = ClusterModel.Empty(new ClusterOptions()) with
        {
            Namespaces = namespaces, Nodes = nodes, Pods = pods, NetworkPolicies = policies, Other = other ?? [],
        };
        return new DerivedCluster(model, namespaces, nodes, pods, [], []);
    }

    public static NetworkPolicy Policy(string ns, string name, LabelSelector podSelector, bool ingress, bool egress,
        IReadOnlyList<PolicyRule> ingressRules, IReadOnlyList<PolicyRule> egressRules) =>
        new(ns, name, podSelector, ingress, egress, ingressRules, egressRules, SourceLocation.Generated);

    public static IpBlock Block(string cidr, params string[] except) => new(Cidr.Parse(cidr), except.Select(Cidr.Parse).ToArray());
}
