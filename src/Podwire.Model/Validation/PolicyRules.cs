using k8s.Models;
using Podwire.Model.Net;

namespace Podwire.Model.Validation;

/// <summary>ValidateNetworkPolicySpec (SPECS 1.2): peers, ipBlocks, ports and endPort, policyTypes.</summary>
public static class PolicyRules
{
    private static readonly string[] PolicyTypes = ["Ingress", "Egress"];

    public static void Check(ProblemSink sink, V1NetworkPolicySpec? spec)
    {
        if (spec is null) return;
        SelectorRules.CheckSelector(sink, "spec.podSelector", spec.PodSelector);
        if (spec.Ingress is not null)
        {
            for (int i = 0; i < spec.Ingress.Count; i++)
            {
                var rule = spec.Ingress[i];
                if (rule is null) continue;
                CheckPorts(sink, $"spec.ingress[{i}].ports", rule.Ports);
                CheckPeers(sink, $"spec.ingress[{i}].from", rule.FromProperty);
            }
        }
        if (spec.Egress is not null)
        {
            for (int i = 0; i < spec.Egress.Count; i++)
            {
                var rule = spec.Egress[i];
                if (rule is null) continue;
                CheckPorts(sink, $"spec.egress[{i}].ports", rule.Ports);
                CheckPeers(sink, $"spec.egress[{i}].to", rule.To);
            }
        }
        if (spec.PolicyTypes is not null)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < spec.PolicyTypes.Count; i++)
            {
                var t = spec.PolicyTypes[i] ?? "";
                if (Array.IndexOf(PolicyTypes, t) < 0) sink.Add($"spec.policyTypes[{i}]", FieldErrors.Unsupported(t, PolicyTypes));
                else if (!seen.Add(t)) sink.Add($"spec.policyTypes[{i}]", FieldErrors.Duplicate(t));
            }
        }
    }

    private static void CheckPorts(ProblemSink sink, string path, IList<V1NetworkPolicyPort>? ports)
    {
        if (ports is null) return;
        for (int i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            if (p is null) continue;
            string ppath = $"{path}[{i}]";
            PortRules.CheckProtocol(sink, ppath + ".protocol", p.Protocol);
            switch (PortRules.Classify(p.Port, out long number, out string name))
            {
                case PortRules.RefKind.Number:
                    PortRules.CheckNumber(sink, ppath + ".port", number);
                    if (p.EndPort is int end)
                    {
                        if (end < number) sink.Add(ppath + ".endPort", FieldErrors.Invalid(end, "must be greater than or equal to `port`"));
                        PortRules.CheckNumber(sink, ppath + ".endPort", end);
                    }
                    break;
                case PortRules.RefKind.Name:
                    if (p.EndPort is int endN) sink.Add(ppath + ".endPort", FieldErrors.Invalid(endN, "may not be specified when `port` is non-numeric"));
                    PortRules.CheckName(sink, ppath + ".port", name);
                    break;
                default:
                    if (p.EndPort is int endA) sink.Add(ppath + ".endPort", FieldErrors.Invalid(endA, "may not be specified when `port` is not specified"));
                    break;
            }
        }
    }

    private static void CheckPeers(ProblemSink sink, string path, IList<V1NetworkPolicyPeer>? peers)
    {
        if (peers is null) return;
        for (int i = 0; i < peers.Count; i++)
        {
            var peer = peers[i];
            string ppath = $"{path}[{i}]";
            int fields = 0;
            if (peer?.PodSelector is not null) { fields++; SelectorRules.CheckSelector(sink, ppath + ".podSelector", peer.PodSelector); }
            if (peer?.NamespaceSelector is not null) { fields++; SelectorRules.CheckSelector(sink, ppath + ".namespaceSelector", peer.NamespaceSelector); }
            if (peer?.IpBlock is not null) { fields++; CheckIpBlock(sink, ppath + ".ipBlock", peer.IpBlock); }
            if (fields == 0) sink.Add(ppath, FieldErrors.RequiredWith("must specify a peer"));
            else if (fields > 1 && peer!.IpBlock is not null) sink.Add(ppath, FieldErrors.Forbidden("may not specify both ipBlock and another peer"));
        }
    }

    private static void CheckIpBlock(ProblemSink sink, string path, V1IPBlock block)
    {
        if (string.IsNullOrEmpty(block.Cidr)) { sink.Add(path + ".cidr", FieldErrors.Required); return; }
        if (IpRules.CheckCidr(sink, path + ".cidr", block.Cidr) is not { } cidr) return;
        if (block.Except is null) return;
        for (int i = 0; i < block.Except.Count; i++)
        {
            string epath = $"{path}.except[{i}]";
            var text = block.Except[i];
            if (IpRules.CheckCidr(sink, epath, text) is not { } except) continue;
            // Contains() is false across families, so a v6 except under a v4 cidr lands here too.
            if (!IsStrictSubset(cidr, except)) sink.Add(epath, FieldErrors.Invalid(text!, "must be a strict subset of `cidr`"));
        }
    }

    public static bool IsStrictSubset(Cidr outer, Cidr inner) =>
        outer.IsIPv4 == inner.IsIPv4 && inner.PrefixLength > outer.PrefixLength && outer.Contains(inner.Network);
}
