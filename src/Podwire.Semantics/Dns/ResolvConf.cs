using System.Globalization;
using System.Text;
using Podwire.Controllers;
using Podwire.Controllers.Dns;
using Podwire.Model;

namespace Podwire.Semantics.Dns;

/// <summary>One <c>options</c> entry of resolv.conf: <c>ndots:5</c> is ("ndots", "5"), <c>rotate</c> is ("rotate", null).</summary>
public sealed record ResolvOption(string Name, string? Value)
{
    public override string ToString() => Value is null ? Name : Name + ":" + Value;
}

/// <summary>
/// The /etc/resolv.conf kubelet hands a pod (kubelet <c>pkg/kubelet/network/dns</c>).
/// </summary>
/// <remarks>
/// The node's own resolv.conf is not part of the manifests, so wherever kubelet would copy it
/// (dnsPolicy Default, and ClusterFirst on a hostNetwork pod) it contributes nothing: no
/// nameservers, searches or options.
/// </remarks>
public sealed record ResolvConf(IReadOnlyList<string> Nameservers, IReadOnlyList<string> Searches, IReadOnlyList<ResolvOption> Options)
{
    public const int MaxNameservers = 3;
    public const int MaxSearches = 32;
    public const int MaxSearchChars = 2048;
    public const int DefaultNdots = 1;

    /// <summary>The effective ndots (glibc default 1; the last ndots option wins, capped at 15).</summary>
    public int Ndots
    {
        get
        {
            int n = DefaultNdots;
            foreach (var o in Options)
                if (o.Name == "ndots" && int.TryParse(o.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                    n = Math.Min(v, 15);
            return n;
        }
    }

    public static ResolvConf For(Pod pod, DerivedCluster cluster)
    {
        return For(pod, cluster.Options.ClusterDomain, DnsZoneBuilder.ServerAddress(cluster));
    }

    /// <summary>kubelet's computation given the cluster domain and clusterDNS address (null = none configured).</summary>
    public static ResolvConf For(Pod pod, string clusterDomain, string? clusterDns)
    {
        string zone = clusterDomain.Trim().TrimEnd('.').ToLowerInvariant();
        var servers = new List<string>();
        var searches = new List<string>();
        var options = new List<ResolvOption>();

        switch (EffectivePolicy(pod))
        {
            case "ClusterFirst" when clusterDns is not null:
                servers.Add(clusterDns);
                if (zone.Length > 0)
                {
                    searches.Add(pod.Namespace + ".svc." + zone);
                    searches.Add("svc." + zone);
                    searches.Add(zone);
                }
                options.Add(new ResolvOption("ndots", "5"));
                break;
            // "Default" (the node's resolv.conf, unknown here), "None", or ClusterFirst without clusterDNS.
            default:
                break;
        }

        if (pod.DnsConfig is { } cfg)
        {
            servers.AddRange(cfg.Nameservers);
            searches.AddRange(cfg.Searches);
            foreach (var (name, value) in cfg.Options) Merge(options, new ResolvOption(name, value));
        }

        return new ResolvConf(LimitServers(Distinct(servers)), LimitSearches(Distinct(searches)), options);
    }

    /// <summary>kubelet's mapping: ClusterFirst on hostNetwork falls back to Default; ClusterFirstWithHostNet is ClusterFirst.</summary>
    public static string EffectivePolicy(Pod pod) => pod.DnsPolicy switch
    {
        "None" => "None",
        "Default" => "Default",
        "ClusterFirstWithHostNet" => "ClusterFirst",
        _ => pod.HostNetwork ? "Default" : "ClusterFirst",
    };

    // A dnsConfig option replaces an existing one of the same name in place; new ones append.
    private static void Merge(List<ResolvOption> options, ResolvOption o)
    {
        for (int i = 0; i < options.Count; i++)
            if (options[i].Name == o.Name) { options[i] = o; return; }
        options.Add(o);
    }

    private static List<string> Distinct(List<string> items)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>(items.Count);
        foreach (var s in items) if (s.Length > 0 && seen.Add(s)) result.Add(s);
        return result;
    }

    private static List<string> LimitServers(List<string> servers) =>
        servers.Count > MaxNameservers ? servers.GetRange(0, MaxNameservers) : servers;

    // kubelet keeps the first 32 domains, then drops from the end until the line fits 2048 chars.
    private static List<string> LimitSearches(List<string> searches)
    {
        if (searches.Count > MaxSearches) searches = searches.GetRange(0, MaxSearches);
        int length = searches.Count == 0 ? 0 : searches.Sum(s => s.Length) + searches.Count - 1;
        while (searches.Count > 0 && length > MaxSearchChars)
        {
            length -= searches[^1].Length + (searches.Count > 1 ? 1 : 0);
            searches.RemoveAt(searches.Count - 1);
        }
        return searches;
    }

    /// <summary>The file as container runtimes write it: search, nameserver lines, options.</summary>
    public string ToFileText()
    {
        var sb = new StringBuilder();
        if (Searches.Count > 0) sb.Append("search ").AppendJoin(' ', Searches).Append('\n');
        foreach (var n in Nameservers) sb.Append("nameserver ").Append(n).Append('\n');
        if (Options.Count > 0) sb.Append("options ").AppendJoin(' ', Options).Append('\n');
        return sb.ToString();
    }

    public override string ToString() => ToFileText();
}
