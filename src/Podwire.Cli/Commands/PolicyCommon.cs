using System.CommandLine;
using System.Net;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Policy.Engine;
using Podwire.Policy.Ir;

namespace Podwire.Cli.Commands;

/// <summary>What the policy commands (reach, matrix, explain, diff, lint) share.</summary>
public static class PolicyCommon
{
    /// <summary>
    /// Loads the cluster and builds the policy engine. ANP/BANP problems are input problems like
    /// manifest ones: printed one per line and exit 2, so no verdict is ever drawn from a policy
    /// the API server would have rejected.
    /// </summary>
    public static PolicyEngine Build(ParseResult pr, TextWriter stderr) => Build(Common.Load(pr, stderr), stderr);

    public static PolicyEngine Build(DerivedCluster cluster, TextWriter stderr)
    {
        var engine = PolicyEngine.Build(cluster);
        if (engine.Problems.Count > 0)
        {
            foreach (var p in engine.Problems) stderr.WriteLine($"error: {p}");
            int n = engine.Problems.Count;
            throw new CliException($"{n} problem{(n == 1 ? "" : "s")} found; nothing was done");
        }
        return engine;
    }

    public static Option<string> PortsOption() => new("--ports")
    {
        Description = "Comma-separated destination ports (default 80).",
        DefaultValueFactory = _ => "80",
    };

    public static Option<string> ProtocolsOption() => new("--protocols")
    {
        Description = "Comma-separated protocols: TCP, UDP, SCTP (default TCP).",
        DefaultValueFactory = _ => "TCP",
    };

    public static IReadOnlyList<int> ParsePorts(string text)
    {
        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) || p < 1 || p > 65535)
                throw new CliException($"--ports: Invalid value: \"{part}\": must be a port number between 1 and 65535");
            if (!list.Contains(p)) list.Add(p);
        }
        if (list.Count == 0) throw new CliException("--ports: Invalid value: \"\": name at least one port");
        return list;
    }

    public static Protocol ParseProtocol(string flag, string text) => text.ToUpperInvariant() switch
    {
        "TCP" => Protocol.TCP,
        "UDP" => Protocol.UDP,
        "SCTP" => Protocol.SCTP,
        _ => throw new CliException($"{flag}: Unsupported value: \"{text}\": supported values: \"TCP\", \"UDP\", \"SCTP\""),
    };

    public static IReadOnlyList<Protocol> ParseProtocols(string text)
    {
        var list = new List<Protocol>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var p = ParseProtocol("--protocols", part);
            if (!list.Contains(p)) list.Add(p);
        }
        if (list.Count == 0) throw new CliException("--protocols: Invalid value: \"\": name at least one protocol");
        return list;
    }

    /// <summary>An end given as NS/POD (must exist) or an IP address (a pod's, a node's, or outside).</summary>
    public static NetEndpoint Endpoint(DerivedCluster cluster, string flag, string value)
    {
        if (IPAddress.TryParse(value, out var ip)) return NetEndpoint.Of(ip);
        var (ns, name) = Common.NsName(flag, value);
        var pod = cluster.FindPod(ns, name) ?? throw new CliException($"{flag}: pod \"{ns}/{name}\" not found", ExitCodes.Failed);
        return NetEndpoint.Of(pod);
    }

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
