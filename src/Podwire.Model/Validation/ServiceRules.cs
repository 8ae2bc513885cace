using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Podwire.Model.Net;

namespace Podwire.Model.Validation;

/// <summary>ValidateService: type, clusterIP(s), ports, nodePorts, affinity and traffic policies.</summary>
public static class ServiceRules
{
    private static readonly string[] Types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    private static readonly string[] Affinities = ["None", "ClientIP"];
    private static readonly string[] TrafficPolicies = ["Cluster", "Local"];
    public const int MaxAffinityTimeout = 86400;

    public static void Check(ProblemSink sink, V1ServiceSpec? spec, ClusterOptions options, IDictionary<string, string>? annotations = null)
    {
        spec ??= new V1ServiceSpec();
        string type = string.IsNullOrEmpty(spec.Type) ? "ClusterIP" : spec.Type;
        if (Array.IndexOf(Types, type) < 0) sink.Add("spec.type", FieldErrors.Unsupported(type, Types));
        bool external = type is "NodePort" or "LoadBalancer";
        bool headless = spec.ClusterIP == "None";

        if (type == "ExternalName") CheckExternalName(sink, spec);
        else CheckClusterIPs(sink, spec, type, external, options);

        CheckPorts(sink, spec, type, external, headless, options);
        SelectorRules.CheckLabels(sink, "spec.selector", spec.Selector);
        CheckAffinity(sink, spec);

        if (spec.ExternalIPs is not null)
            for (int i = 0; i < spec.ExternalIPs.Count; i++) IpRules.CheckIp(sink, $"spec.externalIPs[{i}]", spec.ExternalIPs[i]);
        if (!string.IsNullOrEmpty(spec.LoadBalancerIP)) IpRules.CheckIp(sink, "spec.loadBalancerIP", spec.LoadBalancerIP);
        if (spec.LoadBalancerSourceRanges is { Count: > 0 })
        {
            if (type != "LoadBalancer")
                sink.Add("spec.loadBalancerSourceRanges", FieldErrors.Forbidden("may only be used when `type` is 'LoadBalancer'"));
            for (int i = 0; i < spec.LoadBalancerSourceRanges.Count; i++)
                IpRules.CheckCidr(sink, $"spec.loadBalancerSourceRanges[{i}]", spec.LoadBalancerSourceRanges[i].Trim());
        }

        // The annotation kube-proxy reads when the field is empty: validated the same way (upstream
        // checks it only for LoadBalancer Services, where it has effect).
        if (type == "LoadBalancer" && annotations is not null && annotations.TryGetValue(Service.SourceRangesAnnotation, out var ranges)
            && !string.IsNullOrWhiteSpace(ranges))
            foreach (var r in ranges.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (!IpRules.TryParseCidr(r, out _))
                    sink.Add($"metadata.annotations[{Service.SourceRangesAnnotation}]", FieldErrors.Invalid(ranges, "must be a comma-separated list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 "));

        CheckTrafficPolicies(sink, spec, type, external, options);
    }

    private static void CheckExternalName(ProblemSink sink, V1ServiceSpec spec)
    {
        if (!string.IsNullOrEmpty(spec.ClusterIP))
            sink.Add("spec.clusterIP", FieldErrors.Forbidden("may not be set for ExternalName services"));
        else if (spec.ClusterIPs is { Count: > 0 })
            sink.Add("spec.clusterIPs", FieldErrors.Forbidden("may not be set for ExternalName services"));
        var name = spec.ExternalName;
        if (string.IsNullOrEmpty(name)) { sink.Add("spec.externalName", FieldErrors.Required); return; }
        // A trailing dot (an absolute DNS name) is allowed; the rest must be a DNS subdomain.
        var bare = name.EndsWith('.') ? name[..^1] : name;
        NameRules.Report(sink, "spec.externalName", name, NameRules.Dns1123Subdomain(bare));
    }

    private static void CheckClusterIPs(ProblemSink sink, V1ServiceSpec spec, string type, bool external, ClusterOptions options)
    {
        var ip = spec.ClusterIP;
        if (!string.IsNullOrEmpty(ip)) CheckOneClusterIP(sink, "spec.clusterIP", ip, type, external, options);
        var ips = spec.ClusterIPs;
        if (ips is null) return;
        for (int i = 0; i < ips.Count; i++)
        {
            string path = $"spec.clusterIPs[{i}]";
            var text = ips[i] ?? "";
            if (i == 0 && !string.IsNullOrEmpty(ip))
            {
                if (text != ip) sink.Add(path, FieldErrors.Invalid(text, "must match `clusterIP` when set"));
                continue;
            }
            if (i > 0 && text == "None") { sink.Add(path, FieldErrors.Invalid(text, "must be a valid IP address when `clusterIPs[0]` is set")); continue; }
            CheckOneClusterIP(sink, path, text, type, external, options);
        }
        if (ips.Count > 2) sink.Add("spec.clusterIPs", FieldErrors.InvalidRaw(FieldErrors.GoList(ips), "may only hold up to 2 values"));
    }

    private static void CheckOneClusterIP(ProblemSink sink, string path, string text, string type, bool external, ClusterOptions options)
    {
        if (text == "None")
        {
            if (external) sink.Add(path, FieldErrors.Invalid(text, $"may not be set to 'None' for {type} services"));
            return;
        }
        if (!IpRules.TryParseIp(text, out var addr))
        {
            sink.Add(path, FieldErrors.Invalid(text, "must be empty, 'None', or a valid IP address"));
            return;
        }
        Cidr? range = addr.AddressFamily == AddressFamily.InterNetwork ? options.ServiceCidr : options.ServiceCidrV6;
        if (range is not { } r)
        {
            sink.Add(path, FieldErrors.Invalid(text, "IPv6 is not configured on this cluster"));
            return;
        }
        if (!IsAllocatable(r, addr))
            sink.Add(path, FieldErrors.Invalid(text, $"provided IP is not in the valid range. The range of valid IPs is {r}"));
    }

    /// <summary>Inside the range and not its network (or, for IPv4, broadcast) address, as the allocator sees it.</summary>
    public static bool IsAllocatable(Cidr range, IPAddress ip)
    {
        if (!range.Contains(ip)) return false;
        var offset = range.OffsetOf(ip);
        if (offset == 0) return false;
        return !(range.IsIPv4 && range.HostBits > 0 && offset == range.Size - 1);
    }

    private static void CheckPorts(ProblemSink sink, V1ServiceSpec spec, string type, bool external, bool headless, ClusterOptions options)
    {
        var ports = spec.Ports;
        if (ports is null || ports.Count == 0)
        {
            if (!headless && type != "ExternalName") sink.Add("spec.ports", FieldErrors.Required);
            return;
        }
        bool requireName = ports.Count > 1;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<(int, string)>();
        var nodePorts = new HashSet<(int, string)>();
        for (int i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            string path = $"spec.ports[{i}]";
            if (p is null) { sink.Add(path, FieldErrors.Required); continue; }
            if (string.IsNullOrEmpty(p.Name))
            {
                if (requireName) sink.Add(path + ".name", FieldErrors.Required);
            }
            else if (NameRules.Dns1123Label(p.Name) is { } errs) NameRules.Report(sink, path + ".name", p.Name, errs);
            else if (!names.Add(p.Name)) sink.Add(path + ".name", FieldErrors.Duplicate(p.Name));

            PortRules.CheckNumber(sink, path + ".port", p.Port);
            PortRules.CheckProtocol(sink, path + ".protocol", p.Protocol);
            string proto = string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol;
            if (!keys.Add((p.Port, proto))) sink.Add(path, FieldErrors.Duplicate($"{p.Port}/{proto}"));

            // targetPort 0 or "" means "same as port" (the API server's default).
            var kind = PortRules.Classify(p.TargetPort, out long tn, out _);
            if (!(kind == PortRules.RefKind.Number && tn == 0)) PortRules.CheckNumberOrName(sink, path + ".targetPort", p.TargetPort);

            if (p.NodePort is int np and not 0)
            {
                if (!external) sink.Add(path + ".nodePort", FieldErrors.Forbidden($"may not be used when `type` is '{type}'"));
                else
                {
                    CheckNodePortRange(sink, path + ".nodePort", np, options);
                    if (!nodePorts.Add((np, proto))) sink.Add(path + ".nodePort", FieldErrors.Duplicate(np));
                }
            }
        }
    }

    public static void CheckNodePortRange(ProblemSink sink, string path, int port, ClusterOptions options)
    {
        if (port < options.NodePortMin || port > options.NodePortMax)
            sink.Add(path, FieldErrors.Invalid(port, $"provided port is not in the valid range. The range of valid ports is {options.NodePortMin}-{options.NodePortMax}"));
    }

    private static void CheckAffinity(ProblemSink sink, V1ServiceSpec spec)
    {
        var affinity = string.IsNullOrEmpty(spec.SessionAffinity) ? "None" : spec.SessionAffinity;
        if (Array.IndexOf(Affinities, affinity) < 0)
        {
            sink.Add("spec.sessionAffinity", FieldErrors.Unsupported(affinity, Affinities));
            return;
        }
        var config = spec.SessionAffinityConfig;
        if (affinity == "None")
        {
            if (config?.ClientIP is not null)
                sink.Add("spec.sessionAffinityConfig", FieldErrors.Forbidden("must not be set when session affinity is None"));
            return;
        }
        if (config?.ClientIP?.TimeoutSeconds is int t && (t <= 0 || t > MaxAffinityTimeout))
            sink.Add("spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                FieldErrors.Invalid(t, $"must be greater than 0 and less than {MaxAffinityTimeout}"));
    }

    private static void CheckTrafficPolicies(ProblemSink sink, V1ServiceSpec spec, string type, bool external, ClusterOptions options)
    {
        var etp = spec.ExternalTrafficPolicy;
        if (!string.IsNullOrEmpty(etp))
        {
            if (Array.IndexOf(TrafficPolicies, etp) < 0) sink.Add("spec.externalTrafficPolicy", FieldErrors.Unsupported(etp, TrafficPolicies));
            else if (!external && spec.ExternalIPs is not { Count: > 0 })
                sink.Add("spec.externalTrafficPolicy", FieldErrors.Invalid(etp, "may only be set for externally-accessible services"));
        }
        if (spec.HealthCheckNodePort is int hc and not 0)
        {
            if (type != "LoadBalancer" || etp != "Local")
                sink.Add("spec.healthCheckNodePort", FieldErrors.Invalid(hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
            else CheckNodePortRange(sink, "spec.healthCheckNodePort", hc, options);
        }
        var itp = spec.InternalTrafficPolicy;
        if (!string.IsNullOrEmpty(itp) && Array.IndexOf(TrafficPolicies, itp) < 0)
            sink.Add("spec.internalTrafficPolicy", FieldErrors.Unsupported(itp, TrafficPolicies));
    }
}
