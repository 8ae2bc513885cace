using System.CommandLine;
using System.Net;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Policy.Engine;
using Podwire.Policy.Ir;

namespace Podwire.Cli.Commands;

/// <summary>How verdicts are named in tables and JSON: policies, admin rules, rules and what decided.</summary>
public static class VerdictNames
{
    /// <summary>
    /// The policies named in a direction's verdict, in the reach contract's spelling:
    /// "ns/name" for a NetworkPolicy, "anp:NAME" for an AdminNetworkPolicy, "banp:default" for
    /// the baseline. For an allow: the rules' policies (or the deciding admin policy); for a
    /// NetworkPolicy deny: the isolating policies; empty when nothing applies.
    /// </summary>
    public static IReadOnlyList<string> PolicyNames(DirectionVerdict v)
    {
        var names = new List<string>();
        if (v.AdminRule is { } a) names.Add(AdminName(a));
        else if (v.DecidedBy == DecidedBy.NetworkPolicy)
        {
            if (v.Allowed)
            {
                foreach (var r in v.AllowedBy)
                {
                    var key = $"{r.Namespace}/{r.Policy}";
                    if (!names.Contains(key)) names.Add(key);
                }
            }
            else
                foreach (var p in v.IsolatingPolicies) if (!names.Contains(p)) names.Add(p);
        }
        return names;
    }

    public static string AdminName(AdminRuleRef a) => a.Baseline ? $"banp:{a.Policy}" : $"anp:{a.Policy}";

    /// <summary>The rules named in a verdict, for people: "x/allow rule 0", "anp:deny-all rule 1 (name)".</summary>
    public static IReadOnlyList<string> RuleNames(DirectionVerdict v)
    {
        var list = new List<string>();
        if (v.AdminRule is { } a) list.Add(AdminRule(a));
        foreach (var r in v.AllowedBy) list.Add(r.ToString());
        return list;
    }

    public static string AdminRule(AdminRuleRef a) =>
        $"{AdminName(a)} rule {a.RuleIndex}{(a.RuleName is null ? "" : $" ({a.RuleName})")}";

    public static string DecidedByName(DecidedBy d) => d switch
    {
        DecidedBy.Self => "self",
        DecidedBy.Node => "node",
        DecidedBy.NotSubject => "notSubject",
        DecidedBy.AdminNetworkPolicy => "AdminNetworkPolicy",
        DecidedBy.NetworkPolicy => "NetworkPolicy",
        DecidedBy.BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
        _ => "notIsolated",
    };

    public static string Proto(Protocol p) => p.ToString();
}
