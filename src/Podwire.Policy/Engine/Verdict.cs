using Podwire.Policy.Ir;

namespace Podwire.Policy.Engine;

/// <summary>What decided one direction of a connection.</summary>
public enum DecidedBy
{
    /// <summary>A pod reaching its own address: always allowed.</summary>
    Self,
    /// <summary>Ingress from the pod's own node (kubelet probes): always allowed.</summary>
    Node,
    /// <summary>This end is not a pod that policy applies to (outside address, node, hostNetwork pod).</summary>
    NotSubject,
    AdminNetworkPolicy,
    NetworkPolicy,
    BaselineAdminNetworkPolicy,
    /// <summary>No admin rule matched and no NetworkPolicy isolates the pod in this direction.</summary>
    NotIsolated,
}

/// <summary>
/// The verdict for one direction: egress is judged at the source, ingress at the destination.
/// AdminRule is the deciding ANP/BANP rule; AllowedBy lists every NetworkPolicy rule that
/// allowed it (the union); IsolatingPolicies the NetworkPolicies that isolate the pod.
/// </summary>
public sealed record DirectionVerdict(
    bool Allowed,
    bool Isolated,
    DecidedBy DecidedBy,
    AdminRuleRef? AdminRule,
    IReadOnlyList<NpRuleRef> AllowedBy,
    IReadOnlyList<string> IsolatingPolicies,
    IReadOnlyList<AdminRuleRef> PassedBy,
    string Reason);

/// <summary>A connection is allowed when both its egress and its ingress are.</summary>
public sealed record Verdict(bool Allowed, DirectionVerdict Egress, DirectionVerdict Ingress, string Reason);

public sealed record MatrixCount(int Pods, long Pairs, long Allowed);

public sealed record MatrixCell(Podwire.Model.Pod From, Podwire.Model.Pod To, bool Allowed);
