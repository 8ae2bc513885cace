using System.Net.Sockets;
using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>
/// The parts of ValidatePodSpec / ValidatePodStatus the network depends on: containers and their
/// ports, hostname and subdomain, DNS policy and config, node name, pod IPs. Shared by Pods and
/// by workload templates (with the path prefixed <c>spec.template.spec</c>).
/// </summary>
public static class PodRules
{
    public const int MaxNameservers = 3;
    public const int MaxSearchPaths = 32;
    public const int MaxSearchChars = 2048;
    private static readonly string[] DnsPolicies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];

    public static void CheckSpec(ProblemSink sink, string path, V1PodSpec? spec)
    {
        if (spec?.Containers is null || spec.Containers.Count == 0)
            sink.Add(path + ".containers", FieldErrors.Required);
        if (spec is null) return;

        // Container names are unique across regular and init containers; port names across the pod,
        // because Services and NetworkPolicies resolve a named port per pod, not per container.
        var names = new HashSet<string>(StringComparer.Ordinal);
        CheckContainers(sink, path + ".containers", spec.Containers, names);
        CheckContainers(sink, path + ".initContainers", spec.InitContainers, names);

        if (!string.IsNullOrEmpty(spec.Hostname))
            NameRules.Report(sink, path + ".hostname", spec.Hostname, NameRules.Dns1123Label(spec.Hostname));
        if (!string.IsNullOrEmpty(spec.Subdomain))
            NameRules.Report(sink, path + ".subdomain", spec.Subdomain, NameRules.Dns1123Label(spec.Subdomain));
        if (!string.IsNullOrEmpty(spec.NodeName))
            NameRules.Report(sink, path + ".nodeName", spec.NodeName, NameRules.Dns1123Subdomain(spec.NodeName));
        CheckDns(sink, path, spec.DnsPolicy, spec.DnsConfig);
    }

    private static void CheckContainers(ProblemSink sink, string path, IList<V1Container>? containers,
        HashSet<string> names)
    {
        if (containers is null) return;
        for (int i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            string cpath = $"{path}[{i}]";
            if (c is null) { sink.Add(cpath, FieldErrors.Required); continue; }
            if (string.IsNullOrEmpty(c.Name)) sink.Add(cpath + ".name", FieldErrors.Required);
            else if (NameRules.Dns1123Label(c.Name) is { } errs) NameRules.Report(sink, cpath + ".name", c.Name, errs);
            else if (!names.Add(c.Name)) sink.Add(cpath + ".name", FieldErrors.Duplicate(c.Name));
            // Like the API server, port names must be unique within a container, not across the pod.
            CheckPorts(sink, cpath + ".ports", c.Ports, new HashSet<string>(StringComparer.Ordinal));
        }
    }

    private static void CheckPorts(ProblemSink sink, string path, IList<V1ContainerPort>? ports, HashSet<string> portNames)
    {
        if (ports is null) return;
        for (int i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            string ppath = $"{path}[{i}]";
            if (p is null) { sink.Add(ppath, FieldErrors.Required); continue; }
            if (!string.IsNullOrEmpty(p.Name))
            {
                if (PortRules.PortName(p.Name) is { } errs) NameRules.Report(sink, ppath + ".name", p.Name, errs);
                else if (!portNames.Add(p.Name)) sink.Add(ppath + ".name", FieldErrors.Duplicate(p.Name));
            }
            if (p.ContainerPort == 0) sink.Add(ppath + ".containerPort", FieldErrors.Required);
            else PortRules.CheckNumber(sink, ppath + ".containerPort", p.ContainerPort);
            if (p.HostPort is int hp and not 0) PortRules.CheckNumber(sink, ppath + ".hostPort", hp);
            PortRules.CheckProtocol(sink, ppath + ".protocol", p.Protocol);
            if (!string.IsNullOrEmpty(p.HostIP)) IpRules.CheckIp(sink, ppath + ".hostIP", p.HostIP);
        }
    }

    private static void CheckDns(ProblemSink sink, string path, string? policy, V1PodDNSConfig? config)
    {
        if (!string.IsNullOrEmpty(policy) && Array.IndexOf(DnsPolicies, policy) < 0)
            sink.Add(path + ".dnsPolicy", FieldErrors.Unsupported(policy, DnsPolicies));
        if (policy == "None")
        {
            if (config is null)
                sink.Add(path + ".dnsConfig", FieldErrors.RequiredWith("must provide `dnsConfig` when `dnsPolicy` is None"));
            else if (config.Nameservers is null || config.Nameservers.Count == 0)
                sink.Add(path + ".dnsConfig.nameservers", FieldErrors.RequiredWith("must provide at least one DNS nameserver when `dnsPolicy` is None"));
        }
        if (config is null) return;
        string cpath = path + ".dnsConfig";
        var ns = config.Nameservers;
        if (ns is not null)
        {
            if (ns.Count > MaxNameservers)
                sink.Add(cpath + ".nameservers", FieldErrors.InvalidRaw(FieldErrors.GoList(ns), $"must not have more than {MaxNameservers} nameservers"));
            for (int i = 0; i < ns.Count; i++) IpRules.CheckIp(sink, $"{cpath}.nameservers[{i}]", ns[i]);
        }
        var searches = config.Searches;
        if (searches is not null)
        {
            if (searches.Count > MaxSearchPaths)
                sink.Add(cpath + ".searches", FieldErrors.InvalidRaw(FieldErrors.GoList(searches), $"must not have more than {MaxSearchPaths} search paths"));
            int chars = searches.Count > 0 ? searches.Count - 1 : 0; // the spaces of resolv.conf's search line
            for (int i = 0; i < searches.Count; i++)
            {
                var s = searches[i] ?? "";
                chars += s.Length;
                // A trailing dot marks the name absolute, which resolv.conf allows.
                var bare = s.EndsWith('.') ? s[..^1] : s;
                NameRules.Report(sink, $"{cpath}.searches[{i}]", s, NameRules.Dns1123Subdomain(bare));
            }
            if (chars > MaxSearchChars)
                sink.Add(cpath + ".searches", FieldErrors.InvalidRaw(FieldErrors.GoList(searches), $"must not have more than {MaxSearchChars} characters (including spaces) in the search list"));
        }
        if (config.Options is not null)
        {
            for (int i = 0; i < config.Options.Count; i++)
                if (string.IsNullOrEmpty(config.Options[i]?.Name)) sink.Add($"{cpath}.options[{i}].name", FieldErrors.Required);
        }
    }

    public static void CheckStatus(ProblemSink sink, V1PodStatus? status)
    {
        if (status is null) return;
        System.Net.IPAddress? primary = null;
        if (!string.IsNullOrEmpty(status.PodIP)) primary = IpRules.CheckIp(sink, "status.podIP", status.PodIP);
        var ips = status.PodIPs;
        if (ips is null || ips.Count == 0) return;
        bool v4 = false, v6 = false, twice = false;
        for (int i = 0; i < ips.Count; i++)
        {
            var ip = IpRules.CheckIp(sink, $"status.podIPs[{i}].ip", ips[i]?.Ip);
            if (ip is null) continue;
            if (i == 0 && primary is not null && !ip.Equals(primary))
                sink.Add("status.podIPs[0].ip", FieldErrors.Invalid(ips[0].Ip, "must match `status.podIP`"));
            bool isV4 = ip.AddressFamily == AddressFamily.InterNetwork;
            if (isV4 ? v4 : v6) twice = true;
            if (isV4) v4 = true; else v6 = true;
        }
        if (twice)
        {
            var list = new List<string>(ips.Count);
            foreach (var p in ips) list.Add(p?.Ip ?? "");
            sink.Add("status.podIPs", FieldErrors.InvalidRaw(FieldErrors.GoList(list), "may specify no more than one IP for each IP family"));
        }
    }
}
