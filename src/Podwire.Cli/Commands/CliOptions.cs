using System.CommandLine;
using System.CommandLine.Parsing;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Model.Net;
using Podwire.Sources;

namespace Podwire.Cli.Commands;

/// <summary>The options and values every command shares: inputs, output format, cluster settings and the pod-network backend.</summary>
public static class CliOptions
{
    public static readonly Option<string[]> Files = new("--filename", "-f")
    {
        Description = "Manifest file or folder (*.yaml, *.yml, *.json, recursive), or - for stdin. Repeatable.",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<int?> Nodes = new("--nodes")
    {
        Description = "Number of generated nodes when the manifests define no Node objects (default 2).",
        Recursive = true,
    };

    public static readonly Option<string?> ClusterCidr = new("--cluster-cidr")
    {
        Description = "Pod network (default 10.244.0.0/16); each node gets a /24 of it.",
        Recursive = true,
    };

    public static readonly Option<string?> ServiceCidr = new("--service-cidr")
    {
        Description = "Service ClusterIP range (default 10.96.0.0/12).",
        Recursive = true,
    };

    public static readonly Option<string?> ClusterDomain = new("--cluster-domain")
    {
        Description = "Cluster DNS zone (default cluster.local).",
        Recursive = true,
    };

    public static readonly Option<string> Backend = new("--backend")
    {
        Description = $"Pod network backend, which decides pod addresses (analysis) and builds the network (up): {string.Join(", ", Podwire.Lab.PodNetwork.PodNetworks.Names)} (default {Podwire.Lab.PodNetwork.PodNetworks.Default}).",
        DefaultValueFactory = _ => Podwire.Lab.PodNetwork.PodNetworks.Default,
        Recursive = true,
    };

    /// <summary>For commands that read a running lab when no -f is given.</summary>
    public static readonly Option<string?> Cluster = new("--cluster")
    {
        Description = "Read this running lab (when no -f is given); default: the only running lab.",
    };

    public static Option<string> Output(string values, string defaultValue = "table") => new("--output", "-o")
    {
        Description = $"Output format: {values}.",
        DefaultValueFactory = _ => defaultValue,
    };

    public static void AddGlobal(RootCommand root)
    {
        root.Options.Add(Nodes);
        root.Options.Add(ClusterCidr);
        root.Options.Add(ServiceCidr);
        root.Options.Add(ClusterDomain);
        root.Options.Add(Backend);
    }

    /// <summary>The pod network named by --backend, or an error naming the valid ones.</summary>
    public static Podwire.Lab.PodNetwork.IPodNetwork PodNetwork(ParseResult pr) => PodNetwork(pr.GetValue(Backend)!);

    public static Podwire.Lab.PodNetwork.IPodNetwork PodNetwork(string name)
    {
        try { return Podwire.Lab.PodNetwork.PodNetworks.Get(name); }
        catch (Podwire.Lab.PodNetwork.UnknownPodNetworkException e) { throw new CliException("--backend: " + e.Message); }
    }

    public static ClusterOptions Options(ParseResult pr)
    {
        var o = new ClusterOptions { PodIpam = PodNetwork(pr).Ipam };
        if (pr.GetValue(Nodes) is int n)
        {
            if (n < 1 || n > 1000) throw new CliException($"--nodes: Invalid value: {n}: must be between 1 and 1000");
            o = o with { GeneratedNodes = n, GeneratedNodesFixed = true };
        }
        if (pr.GetValue(ClusterCidr) is { } cc) o = o with { ClusterCidr = ParseCidr("--cluster-cidr", cc) };
        if (pr.GetValue(ServiceCidr) is { } sc) o = o with { ServiceCidr = ParseCidr("--service-cidr", sc) };
        if (pr.GetValue(ClusterDomain) is { } cd) o = o with { ClusterDomain = cd.Trim('.').ToLowerInvariant() };
        return o;
    }

    private static Cidr ParseCidr(string flag, string text) =>
        Cidr.TryParse(text, out var c) ? c : throw new CliException($"{flag}: Invalid value: \"{text}\": must be a CIDR such as 10.96.0.0/12");

    public static void CheckOutput(string value, params string[] allowed)
    {
        if (!allowed.Contains(value))
            throw new CliException($"--output: Unsupported value: \"{value}\": supported values: {string.Join(", ", allowed.Select(a => $"\"{a}\""))}");
    }

    /// <summary>A --port value, checked as the API server checks port numbers.</summary>
    public static int Port(int value, string flag = "--port") =>
        value is >= 1 and <= 65535 ? value : throw new CliException($"{flag}: Invalid value: {value}: must be between 1 and 65535, inclusive");

    /// <summary>Splits <c>ns/name</c> (or bare <c>name</c> in <paramref name="defaultNs"/>).</summary>
    public static (string Ns, string Name) NsName(string flag, string value, string defaultNs = "default")
    {
        var parts = value.Split('/');
        if (parts.Length == 1 && parts[0].Length > 0) return (defaultNs, parts[0]);
        if (parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0) return (parts[0], parts[1]);
        throw new CliException($"{flag}: Invalid value: \"{value}\": expected NAMESPACE/NAME");
    }
}
