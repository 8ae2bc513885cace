using System.CommandLine;
using System.Net;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Policy.Engine;
using Podwire.Policy.Ir;

namespace Podwire.Cli.Commands;

/// <summary>What the policy commands take: the engine built from the cluster, --ports/--protocols, and pod or address endpoints.</summary>
public static class PolicyFlags
{
    /// <summary>
    /// Loads the cluster and builds the policy engine. ANP/BANP problems are input problems like
    /// manifest ones: printed one per line and exit 2, so no verdict is ever drawn from a policy
    /// the API server would have rejected.
    /// </summary>
    public static PolicyEngine Build(ParseResult pr, TextWriter stderr) => Build(ClusterInput.Load(pr, stderr), stderr);

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
        var (ns, name) = CliOptions.NsName(flag, value);
        var pod = cluster.FindPod(ns, name) ?? throw new CliException($"{flag}: pod \"{ns}/{name}\" not found", ExitCodes.Failed);
        return NetEndpoint.Of(pod);
    }
}
