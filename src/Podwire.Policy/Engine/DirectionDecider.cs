using System.Net;
using Podwire.Model;
using Podwire.Policy.Ir;

namespace Podwire.Policy.Engine;

/// <summary>
/// Decides one direction for one remote end from the IR, in the order of SPECS 1.4: admin
/// rules by priority then rule order (Allow/Deny final, Pass skips the remaining admin
/// rules), then NetworkPolicy if it isolates the pod, then the baseline, then allow.
/// </summary>
internal static class DirectionDecider
{
    public static DirectionVerdict Decide(DirectionIr d, Direction dir, string subject, string remote,
        int remoteIdentity, IPAddress? remoteIp, int port, Protocol proto)
    {
        string what = $"{port}/{proto}";
        string side = dir == Direction.Egress ? $"egress from {subject}" : $"ingress to {subject}";
        List<AdminRuleRef>? passed = null;
        foreach (var rule in d.AdminRules)
        {
            if (!Matches(rule.Matches, remoteIdentity, remoteIp, port, proto)) continue;
            if (rule.Action == IrAction.Pass) { (passed ??= []).Add(rule.Source); break; }
            bool allow = rule.Action == IrAction.Allow;
            return new DirectionVerdict(allow, d.Isolated, DecidedBy.AdminNetworkPolicy, rule.Source, [], d.IsolatingPolicies, [],
                $"{side}: {(allow ? "allowed" : "denied")} by {rule.Source}");
        }
        string passNote = passed is null ? "" : $" (passed by {passed[0]})";
        if (d.Isolated)
        {
            var by = new List<NpRuleRef>();
            foreach (var a in d.Allows)
                if (a.Match.PortMatches(port, proto) && a.Match.Peer.Matches(remoteIdentity, remoteIp))
                    if (by.Count == 0 || !by[^1].Equals(a.Source)) by.Add(a.Source);
            string isolating = string.Join(", ", d.IsolatingPolicies);
            string reason = by.Count > 0
                ? $"{side}: allowed by NetworkPolicy {string.Join(", ", by)}{passNote}"
                : $"{side}: denied: isolated by NetworkPolicy {isolating} and no rule allows {remote} on {what}{passNote}";
            return new DirectionVerdict(by.Count > 0, true, DecidedBy.NetworkPolicy, null, by, d.IsolatingPolicies, passed ?? [], reason);
        }
        foreach (var rule in d.BaselineRules)
        {
            if (!Matches(rule.Matches, remoteIdentity, remoteIp, port, proto)) continue;
            bool allow = rule.Action == IrAction.Allow;
            return new DirectionVerdict(allow, false, DecidedBy.BaselineAdminNetworkPolicy, rule.Source, [], [], passed ?? [],
                $"{side}: {(allow ? "allowed" : "denied")} by {rule.Source}{passNote}");
        }
        return new DirectionVerdict(true, false, DecidedBy.NotIsolated, null, [], [], passed ?? [],
            $"{side}: allowed: no policy isolates {subject} for {dir.ToString().ToLowerInvariant()}{passNote}");
    }

    public static bool Matches(IReadOnlyList<IrMatch> matches, int remoteIdentity, IPAddress? remoteIp, int port, Protocol proto)
    {
        foreach (var m in matches)
            if (m.PortMatches(port, proto) && m.Peer.Matches(remoteIdentity, remoteIp)) return true;
        return false;
    }
}
