using k8s.Models;
using Podwire.Model.Net;
using static Podwire.Model.Building.Normalizer;

namespace Podwire.Model.Building;

internal static class PolicyNormalizer
{
    public static NetworkPolicy Policy(V1NetworkPolicy p, SourceLocation loc)
    {
        var spec = p.Spec ?? new V1NetworkPolicySpec();
        // API-server defaulting (SPECS 1.1.1): no policyTypes → Ingress, plus Egress when egress rules exist.
        bool ingress, egress;
        if (spec.PolicyTypes is { Count: > 0 } types)
        {
            ingress = types.Contains("Ingress");
            egress = types.Contains("Egress");
        }
        else
        {
            ingress = true;
            egress = spec.Egress is { Count: > 0 };
        }
        var inRules = (spec.Ingress ?? []).Select(r => Rule(r.FromProperty, r.Ports)).ToArray();
        var outRules = (spec.Egress ?? []).Select(r => Rule(r.To, r.Ports)).ToArray();
        return new NetworkPolicy(Ns(p.Metadata), p.Metadata.Name, Selector(spec.PodSelector) ?? LabelSelector.Everything,
            ingress, egress, inRules, outRules, loc);
    }

    private static PolicyRule Rule(IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports)
    {
        // An absent or empty peer list means "any peer" (null); an empty port list means "any port".
        IReadOnlyList<PolicyPeer>? normPeers = peers is { Count: > 0 } ? peers.Select(Peer).ToArray() : null;
        var normPorts = (ports ?? []).Select(pp => new PolicyPort(Proto(pp.Protocol), PortRef(pp.Port), pp.EndPort)).ToArray();
        return new PolicyRule(normPeers, normPorts);
    }

    private static PolicyPeer Peer(V1NetworkPolicyPeer p)
    {
        IpBlock? block = null;
        if (p.IpBlock is { } b)
            block = new IpBlock(Cidr.Parse(b.Cidr), (b.Except ?? []).Select(Cidr.Parse).ToArray());
        return new PolicyPeer(Selector(p.PodSelector), Selector(p.NamespaceSelector), block);
    }
}
