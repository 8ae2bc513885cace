using Podwire.Model;

namespace Podwire.Cli.Output;

/// <summary>kubectl's renderings of the compound columns.</summary>
public static class Format
{
    /// <summary><c>80/TCP,443:30443/TCP</c>, as kubectl's PORT(S) column.</summary>
    public static string ServicePorts(Service s)
    {
        if (s.Ports.Count == 0) return "<none>";
        return string.Join(",", s.Ports.Select(p => p.NodePort is int np ? $"{p.Port}:{np}/{p.Protocol}" : $"{p.Port}/{p.Protocol}"));
    }

    public static string ExternalIP(Service s)
    {
        if (s.Type == ServiceType.ExternalName) return s.ExternalName ?? "<none>";
        var ips = s.LoadBalancerIngress.Concat(s.ExternalIPs).ToList();
        if (ips.Count > 0) return string.Join(",", ips);
        return s.Type == ServiceType.LoadBalancer ? "<pending>" : "<none>";
    }

    public static string ContainerPorts(Pod p) =>
        p.Ports.Count == 0 ? "<none>" : string.Join(",", p.Ports.Select(x => x.Name is null ? $"{x.Port}/{x.Protocol}" : $"{x.Name}:{x.Port}/{x.Protocol}"));

    public static string SlicePorts(EndpointSlice s) =>
        s.Ports.Count == 0 ? "<unset>" : string.Join(",", s.Ports.Select(p => p.Port?.ToString() ?? "<unset>"));

    /// <summary>kubectl shows three addresses then "+ N more..."; wide shows them all.</summary>
    public static string SliceEndpoints(EndpointSlice s, bool all)
    {
        var addrs = s.Endpoints.SelectMany(e => e.Addresses).ToList();
        if (addrs.Count == 0) return "<none>";
        if (all || addrs.Count <= 3) return string.Join(",", addrs);
        return string.Join(",", addrs.Take(3)) + $" + {addrs.Count - 3} more...";
    }
}
