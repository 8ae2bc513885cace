using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Policy.Admin;

// AdminNetworkPolicy / BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) as read
// from their JSON. The records can hold invalid shapes (two subjects, an unknown action) on
// purpose: the reader never throws, and AdminPolicyValidator reports every problem in one pass.

public enum AdminAction { Allow, Deny, Pass, Unknown }

/// <summary>The subject: exactly one of Namespaces or Pods should be set.</summary>
public sealed record AdminSubject(LabelSelector? Namespaces, AdminPodSelector? Pods);

/// <summary>Pods by namespace and pod labels; both selectors are required by the API.</summary>
public sealed record AdminPodSelector(LabelSelector NamespaceSelector, LabelSelector PodSelector);

/// <summary>One peer: exactly one field should be set. A peer with none fails closed.</summary>
public sealed record AdminPeer(
    LabelSelector? Namespaces,
    AdminPodSelector? Pods,
    LabelSelector? Nodes,
    IReadOnlyList<string>? Networks)
{
    public int FieldCount =>
        (Namespaces is null ? 0 : 1) + (Pods is null ? 0 : 1) + (Nodes is null ? 0 : 1) + (Networks is null ? 0 : 1);

    /// <summary>The parsed Networks; entries that do not parse are left out (the validator reports them).</summary>
    public IReadOnlyList<Cidr> ParsedNetworks()
    {
        if (Networks is null) return [];
        var list = new List<Cidr>(Networks.Count);
        foreach (var n in Networks) if (Cidr.TryParse(n, out var c)) list.Add(c);
        return list;
    }
}

public sealed record AdminPortNumber(Protocol Protocol, int Port);
public sealed record AdminPortRange(Protocol Protocol, int Start, int End);

/// <summary>One entry of a rule's ports: exactly one field should be set.</summary>
public sealed record AdminPort(AdminPortNumber? PortNumber, string? NamedPort, AdminPortRange? PortRange)
{
    public int FieldCount => (PortNumber is null ? 0 : 1) + (NamedPort is null ? 0 : 1) + (PortRange is null ? 0 : 1);
}

/// <summary>A rule; Ports null means every port. RawAction keeps the text for messages.</summary>
public sealed record AdminRule(string? Name, AdminAction Action, string RawAction, IReadOnlyList<AdminPeer> Peers, IReadOnlyList<AdminPort>? Ports);

/// <summary>An ANP (IsBaseline false, Priority set) or the BANP (IsBaseline true, Priority null).</summary>
public sealed record AdminPolicy(
    string Name,
    bool IsBaseline,
    int? Priority,
    AdminSubject Subject,
    IReadOnlyList<AdminRule> Ingress,
    IReadOnlyList<AdminRule> Egress,
    SourceLocation Location)
{
    public const string ApiVersion = "policy.networking.k8s.io/v1alpha1";
    public const string AnpKind = "AdminNetworkPolicy";
    public const string BanpKind = "BaselineAdminNetworkPolicy";
    public const string BaselineName = "default";

    public string Kind => IsBaseline ? BanpKind : AnpKind;
    public ObjectRef Ref => new(Kind, null, Name);
}
