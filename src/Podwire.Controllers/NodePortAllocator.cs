using Podwire.Model;

namespace Podwire.Controllers;

/// <summary>
/// NodePort and healthCheckNodePort allocation (KEP-3668 bands over --service-node-port-range).
/// Why: kube-proxy opens these on every node, so they must be unique per (port, protocol) and
/// stable. Requested ports are honoured first; dynamic ones start at a hash of the Service port's
/// identity in the upper band. A Service exposing the same port number over two protocols (DNS
/// over UDP and TCP) gets one NodePort for both, as the API server does.
/// </summary>
public static class NodePortAllocator
{
    /// <summary>
    /// The band split of KEP-3668's worked example: size = max - min, offset = min(max(16, size/32), 128),
    /// static band min..min+offset inclusive (30000-30086 for the default range). A range under 16 has no static band.
    /// </summary>
    public static BandedRange RangeFor(int min, int max)
    {
        if (max < min || min < 0) return new BandedRange(1, 0, 0);
        int size = max - min;
        int staticSize = size < 16 ? 0 : Math.Min(Math.Max(16, size / 32), 128) + 1;
        return new BandedRange((UInt128)min, (UInt128)staticSize, (UInt128)max);
    }

    public static bool WantsNodePorts(Service s) =>
        s.Type == ServiceType.NodePort || (s.Type == ServiceType.LoadBalancer && s.AllocateLoadBalancerNodePorts);

    public static bool WantsHealthCheck(Service s) => s.Type == ServiceType.LoadBalancer && s.ExternalTrafficLocal;

    /// <summary>Fills ports[].nodePort and healthCheckNodePort; <paramref name="services"/> must be sorted (namespace, name).</summary>
    public static Service[] Assign(IReadOnlyList<Service> services, ClusterOptions options)
    {
        var range = RangeFor(options.NodePortMin, options.NodePortMax);   // ports taken by any protocol
        var used = new HashSet<(Protocol, int)>();                        // ports taken per protocol
        var ports = new ServicePort[services.Count][];
        var health = new int?[services.Count];
        var missing = new List<(int Service, int Port)>();                // Port -1 = healthCheckNodePort

        for (int i = 0; i < services.Count; i++)
        {
            var s = services[i];
            ports[i] = [.. s.Ports];
            bool wants = WantsNodePorts(s);
            for (int p = 0; p < ports[i].Length; p++)
            {
                var sp = ports[i][p];
                if (sp.NodePort is int np && (wants || s.Type == ServiceType.LoadBalancer))
                {
                    if (Take(range, used, sp.Protocol, np)) continue;
                    ports[i][p] = sp with { NodePort = null };  // a clash in odd input: the later Service gets a fresh port
                }
                if (wants && ports[i][p].NodePort is null) missing.Add((i, p));
            }
            if (WantsHealthCheck(s))
            {
                if (s.HealthCheckNodePort is int hc && Take(range, used, Protocol.TCP, hc)) health[i] = hc;
                else missing.Add((i, -1));
            }
            else health[i] = s.HealthCheckNodePort;
        }

        foreach (var (i, p) in missing)
        {
            var s = services[i];
            if (p < 0)
            {
                if (Allocate(range, used, Protocol.TCP, StableHash.Fnv1a(s.Key + "/healthCheckNodePort")) is int hc) health[i] = hc;
                continue;
            }
            var sp = ports[i][p];
            int? np = ShareWithSibling(ports[i], p, used)
                ?? Allocate(range, used, sp.Protocol, StableHash.Fnv1a(s.Key + "/" + sp.Protocol + "/" + (sp.Name ?? sp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            ports[i][p] = sp with { NodePort = np };
        }

        var result = new Service[services.Count];
        for (int i = 0; i < services.Count; i++)
            result[i] = services[i] with { Ports = ports[i], HealthCheckNodePort = health[i] };
        return result;
    }

    private static bool Take(BandedRange range, HashSet<(Protocol, int)> used, Protocol protocol, int port)
    {
        if (!used.Add((protocol, port))) return false;
        range.TryReserve((UInt128)port);   // false when another protocol holds it or it is outside the range: still honoured
        return true;
    }

    // The same Service may use one nodePort for the same port number over different protocols.
    private static int? ShareWithSibling(ServicePort[] ports, int p, HashSet<(Protocol, int)> used)
    {
        for (int q = 0; q < ports.Length; q++)
        {
            if (q == p || ports[q].Port != ports[p].Port || ports[q].Protocol == ports[p].Protocol) continue;
            if (ports[q].NodePort is int np && used.Add((ports[p].Protocol, np))) return np;
        }
        return null;
    }

    private static int? Allocate(BandedRange range, HashSet<(Protocol, int)> used, Protocol protocol, ulong hash)
    {
        if (!range.TryAllocate(hash, out var offset)) return null;
        int port = (int)offset;
        used.Add((protocol, port));
        return port;
    }
}
