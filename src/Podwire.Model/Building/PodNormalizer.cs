using k8s.Models;
using static Podwire.Model.Building.Normalizer;

namespace Podwire.Model.Building;

internal static class PodNormalizer
{
    public static Pod Pod(V1Pod p, SourceLocation loc)
    {
        var status = p.Status;
        var readyCond = status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        string phase = status?.Phase ?? "Running";
        // "Ready unless status says otherwise": no conditions means a running, ready pod.
        bool ready = readyCond is not null ? readyCond.Status == "True" : phase == "Running";
        var ips = status?.PodIPs?.Select(i => i.Ip).Where(i => !string.IsNullOrEmpty(i)).ToArray()
                  ?? (string.IsNullOrEmpty(status?.PodIP) ? [] : [status!.PodIP]);
        return FromSpec(Ns(p.Metadata), p.Metadata.Name, p.Metadata, p.Spec, status?.PodIP ?? ips.FirstOrDefault(), ips,
            ready, p.Metadata.DeletionTimestamp is not null, phase, null, loc);
    }

    public static Workload Workload(WorkloadKind kind, V1ObjectMeta meta, int replicas, string? serviceName, V1PodTemplateSpec template, SourceLocation loc)
    {
        string ns = Ns(meta);
        var tmpl = FromSpec(ns, "", template.Metadata ?? new V1ObjectMeta(), template.Spec, null, [], true, false, "Running",
            new OwnerRef(kind.ToString(), meta.Name), loc);
        return new Workload(kind, ns, meta.Name, replicas, serviceName, tmpl, loc);
    }

    private static Pod FromSpec(string ns, string name, V1ObjectMeta meta, V1PodSpec spec, string? podIP, IReadOnlyList<string> podIPs,
        bool ready, bool terminating, string phase, OwnerRef? owner, SourceLocation loc)
    {
        var ports = new List<ContainerPort>();
        var names = new List<string>();
        IReadOnlyList<string>? command = null;
        // Sidecars (init containers that keep running) serve ports too, and named targetPorts may point at them.
        var sidecars = spec.InitContainers?.Where(c => c.RestartPolicy == "Always") ?? [];
        foreach (var c in (spec.Containers ?? []).Concat(sidecars))
        {
            names.Add(c.Name);
            if (command is null && (c.Command is { Count: > 0 } || c.Args is { Count: > 0 }))
                command = [.. c.Command ?? [], .. c.Args ?? []];
            foreach (var cp in c.Ports ?? [])
                ports.Add(new ContainerPort(cp.Name, cp.ContainerPort, Proto(cp.Protocol), c.Name, cp.HostPort));
        }
        DnsConfig? dns = spec.DnsConfig is null ? null : new DnsConfig(
            spec.DnsConfig.Nameservers?.ToArray() ?? [],
            spec.DnsConfig.Searches?.ToArray() ?? [],
            spec.DnsConfig.Options?.Select(o => (o.Name, (string?)o.Value)).ToArray() ?? []);
        bool hostNetwork = spec.HostNetwork ?? false;
        return new Pod(ns, name, L(meta.Labels), L(meta.Annotations), spec.NodeName, podIP, podIPs, hostNetwork,
            spec.Hostname, spec.Subdomain,
            spec.ServiceAccountName ?? spec.ServiceAccount ?? "default",
            spec.DnsPolicy ?? "ClusterFirst",
            dns, ports, names, command, ready, terminating, phase, owner, loc);
    }
}
