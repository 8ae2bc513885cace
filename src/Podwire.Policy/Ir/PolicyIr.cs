using System.Net;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Policy.Ir;

// The intermediate representation that datapaths compile from (nftables now, eBPF later).
// It is plain data: per identity and direction, whether the identity is isolated, the ordered
// admin tiers, and the NetworkPolicy allow entries. Selectors are already turned into identity
// sets and named ports into numbers (per destination), so a datapath needs no Kubernetes
// knowledge. The evaluator reads it; nothing here decides a verdict.

public enum Direction { Ingress, Egress }

/// <summary>Addresses: any Include prefix, minus the Except prefixes (NetworkPolicy ipBlock, ANP networks/nodes).</summary>
public sealed record IrBlock(IReadOnlyList<Cidr> Include, IReadOnlyList<Cidr> Except)
{
    public bool Contains(IPAddress ip)
    {
        bool inside = false;
        foreach (var c in Include) if (c.Contains(ip)) { inside = true; break; }
        if (!inside) return false;
        foreach (var c in Except) if (c.Contains(ip)) return false;
        return true;
    }

    public override string ToString() =>
        string.Join(",", Include) + (Except.Count == 0 ? "" : " except " + string.Join(",", Except));
}

/// <summary>
/// The remote end of a rule. Both parts must match (null = no constraint); both null = any peer.
/// Identities constrains the remote's identity; Block constrains its address.
/// </summary>
public sealed record IrPeer(IdentitySet? Identities, IrBlock? Block)
{
    public static readonly IrPeer Any = new(null, null);

    public bool Matches(int identity, IPAddress? ip) =>
        (Identities is null || Identities.Contains(identity)) &&
        (Block is null || (ip is not null && Block.Contains(ip)));
}

/// <summary>An inclusive port range of one protocol.</summary>
public readonly record struct IrPortRange(Protocol Protocol, int First, int Last)
{
    public bool Contains(int port, Protocol protocol) => protocol == Protocol && port >= First && port <= Last;
    public override string ToString() => First == Last ? $"{First}/{Protocol}" : $"{First}-{Last}/{Protocol}";
}

/// <summary>One match clause: the peer, and the ports (empty = every port of every protocol).</summary>
public sealed record IrMatch(IrPeer Peer, IReadOnlyList<IrPortRange> Ports)
{
    public bool PortMatches(int port, Protocol protocol)
    {
        if (Ports.Count == 0) return true;
        for (int i = 0; i < Ports.Count; i++) if (Ports[i].Contains(port, protocol)) return true;
        return false;
    }
}

/// <summary>Which NetworkPolicy rule an allow entry came from.</summary>
public sealed record NpRuleRef(string Namespace, string Policy, int RuleIndex)
{
    public override string ToString() => $"{Namespace}/{Policy} rule {RuleIndex}";
}

/// <summary>A NetworkPolicy allow entry.</summary>
public sealed record IrAllow(IrMatch Match, NpRuleRef Source);

/// <summary>Which ANP/BANP rule an admin entry came from.</summary>
public sealed record AdminRuleRef(string Policy, bool Baseline, int? Priority, int RuleIndex, string? RuleName)
{
    public override string ToString() => Baseline
        ? $"BaselineAdminNetworkPolicy {Policy} rule {RuleIndex}{(RuleName is null ? "" : $" ({RuleName})")}"
        : $"AdminNetworkPolicy {Policy} (priority {Priority}) rule {RuleIndex}{(RuleName is null ? "" : $" ({RuleName})")}";
}

public enum IrAction { Allow, Deny, Pass }

/// <summary>An admin rule: it matches when any clause matches; the first matching rule of a tier decides.</summary>
public sealed record IrAdminRule(AdminRuleRef Source, IrAction Action, IReadOnlyList<IrMatch> Matches);

/// <summary>Everything that governs one identity in one direction.</summary>
public sealed record DirectionIr(
    bool Isolated,
    IReadOnlyList<IrAllow> Allows,
    IReadOnlyList<string> IsolatingPolicies,
    IReadOnlyList<IrAdminRule> AdminRules,
    IReadOnlyList<IrAdminRule> BaselineRules)
{
    public static readonly DirectionIr Open = new(false, [], [], [], []);
}

/// <summary>The whole IR: per identity id, ingress and egress. Reserved identities are open.</summary>
public sealed record PolicyIr(IReadOnlyList<DirectionIr> Ingress, IReadOnlyList<DirectionIr> Egress)
{
    public DirectionIr For(Direction d, int identity)
    {
        var list = d == Direction.Ingress ? Ingress : Egress;
        return (uint)identity < (uint)list.Count ? list[identity] : DirectionIr.Open;
    }
}
