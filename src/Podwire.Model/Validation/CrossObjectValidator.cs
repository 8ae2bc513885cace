using System.Net;
using k8s;
using k8s.Models;
using Podwire.Model.Net;

namespace Podwire.Model.Validation;

/// <summary>
/// Checks that need the whole input: the uniqueness the API server's storage and allocators
/// enforce. The first object (in input order) wins; each clash is reported on the later object
/// and names the earlier one with its location.
/// </summary>
public static class CrossObjectValidator
{
    private readonly record struct Owner(ObjectRef Ref, SourceLocation Location)
    {
        public override string ToString() => $"{Ref} ({Location})";
    }

    public static void Validate(IReadOnlyList<(IKubernetesObject Obj, SourceLocation Location)> objects, List<Problem> problems, ClusterOptions options)
    {
        var identities = new Dictionary<(string Kind, string? Ns, string Name), Owner>();
        var clusterIPs = new Dictionary<IPAddress, Owner>();
        var nodePorts = new Dictionary<(int Port, string Protocol), Owner>();
        var podIPs = new Dictionary<IPAddress, Owner>();
        var nodeCidrs = new List<(Cidr Cidr, Owner Owner)>();

        foreach (var (obj, location) in objects)
        {
            var r = ObjectKinds.RefOf(obj);
            var self = new Owner(r, location);
            var sink = new ProblemSink(problems, location, r);
            if (r.Name.Length > 0)
            {
                // A repeated object is reported once; its addresses would only repeat the same clash.
                if (identities.TryGetValue((r.Kind, r.Namespace, r.Name), out var first))
                {
                    sink.Add("metadata.name", $"{FieldErrors.Duplicate(r.Name)}: {first.Ref} is already defined at {first.Location}");
                    continue;
                }
                identities[(r.Kind, r.Namespace, r.Name)] = self;
            }
            switch (obj)
            {
                case V1Service svc when svc.Spec is not null && svc.Spec.Type != "ExternalName":
                    CheckServiceIPs(sink, svc.Spec, self, clusterIPs);
                    CheckNodePorts(sink, svc.Spec, self, nodePorts);
                    break;
                case V1Pod pod when pod.Spec?.HostNetwork != true && pod.Status is not null:
                    CheckPodIPs(sink, pod.Status, self, podIPs);
                    break;
                case V1Node node when node.Spec is not null:
                    CheckNodeCidrs(sink, node.Spec, self, nodeCidrs);
                    break;
            }
        }
    }

    private static void CheckServiceIPs(ProblemSink sink, V1ServiceSpec spec, Owner self, Dictionary<IPAddress, Owner> seen)
    {
        var mine = new HashSet<IPAddress>();
        Claim(sink, "spec.clusterIP", spec.ClusterIP, self, seen, mine);
        if (spec.ClusterIPs is null) return;
        for (int i = 0; i < spec.ClusterIPs.Count; i++) Claim(sink, $"spec.clusterIPs[{i}]", spec.ClusterIPs[i], self, seen, mine);
    }

    private static void Claim(ProblemSink sink, string path, string? text, Owner self, Dictionary<IPAddress, Owner> seen, HashSet<IPAddress> mine)
    {
        if (!IpRules.TryParseIp(text, out var ip) || !mine.Add(ip)) return;
        if (seen.TryGetValue(ip, out var first))
            sink.Add(path, FieldErrors.Invalid(text!, $"provided IP is already allocated to {first}"));
        else seen[ip] = self;
    }

    private static void CheckNodePorts(ProblemSink sink, V1ServiceSpec spec, Owner self, Dictionary<(int, string), Owner> seen)
    {
        if (spec.Type is not ("NodePort" or "LoadBalancer")) return;
        var mine = new HashSet<(int, string)>();
        if (spec.Ports is not null)
        {
            for (int i = 0; i < spec.Ports.Count; i++)
            {
                var p = spec.Ports[i];
                if (p?.NodePort is not int np || np == 0) continue;
                var proto = string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol;
                ClaimPort(sink, $"spec.ports[{i}].nodePort", np, proto, self, seen, mine);
            }
        }
        // kube-proxy serves the health check over HTTP, so it takes a TCP node port too.
        if (spec.HealthCheckNodePort is int hc and not 0)
            ClaimPort(sink, "spec.healthCheckNodePort", hc, "TCP", self, seen, mine);
    }

    private static void ClaimPort(ProblemSink sink, string path, int port, string proto, Owner self,
        Dictionary<(int, string), Owner> seen, HashSet<(int, string)> mine)
    {
        if (!mine.Add((port, proto))) return;
        if (seen.TryGetValue((port, proto), out var first))
            sink.Add(path, FieldErrors.Invalid(port, $"provided port is already allocated to {first}"));
        else seen[(port, proto)] = self;
    }

    private static void CheckPodIPs(ProblemSink sink, V1PodStatus status, Owner self, Dictionary<IPAddress, Owner> seen)
    {
        var mine = new HashSet<IPAddress>();
        ClaimPodIP(sink, "status.podIP", status.PodIP, self, seen, mine);
        if (status.PodIPs is null) return;
        for (int i = 0; i < status.PodIPs.Count; i++) ClaimPodIP(sink, $"status.podIPs[{i}].ip", status.PodIPs[i]?.Ip, self, seen, mine);
    }

    private static void ClaimPodIP(ProblemSink sink, string path, string? text, Owner self, Dictionary<IPAddress, Owner> seen, HashSet<IPAddress> mine)
    {
        if (!IpRules.TryParseIp(text, out var ip) || !mine.Add(ip)) return;
        if (seen.TryGetValue(ip, out var first))
            sink.Add(path, $"{FieldErrors.Duplicate(text!)}: also used by {first}");
        else seen[ip] = self;
    }

    private static void CheckNodeCidrs(ProblemSink sink, V1NodeSpec spec, Owner self, List<(Cidr, Owner)> seen)
    {
        var mine = new List<Cidr>(2);
        ClaimCidr(sink, "spec.podCIDR", spec.PodCIDR, self, seen, mine);
        if (spec.PodCIDRs is null) return;
        for (int i = 0; i < spec.PodCIDRs.Count; i++) ClaimCidr(sink, $"spec.podCIDRs[{i}]", spec.PodCIDRs[i], self, seen, mine);
    }

    private static void ClaimCidr(ProblemSink sink, string path, string? text, Owner self, List<(Cidr, Owner)> seen, List<Cidr> mine)
    {
        if (!IpRules.TryParseCidr(text, out var cidr) || mine.Contains(cidr)) return;
        mine.Add(cidr);
        // Nodes are few, so a linear scan is fine; it also catches overlaps, which a map could not.
        foreach (var (other, owner) in seen)
        {
            if (other == cidr) { sink.Add(path, $"{FieldErrors.Duplicate(text!)}: also assigned to {owner}"); return; }
            if (other.Overlaps(cidr)) { sink.Add(path, FieldErrors.Invalid(text!, $"overlaps {other} assigned to {owner}")); return; }
        }
        seen.Add((cidr, self));
    }
}
