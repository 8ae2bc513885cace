using System.Net;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Controllers;

/// <summary>
/// The default LoadBalancer implementation, in the manner of MetalLB in layer-2 mode: addresses
/// from one pool (options.LoadBalancerPool). Why: the lab needs a reachable address for every
/// LoadBalancer Service without a cloud. Services naming a loadBalancerClass belong to another
/// implementation and get nothing. Existing status and in-pool spec.loadBalancerIP are honoured;
/// the rest get the lowest free address in (namespace, name) order.
/// </summary>
public static class LoadBalancerAllocator
{
    public static Service[] Assign(IReadOnlyList<Service> services, ClusterOptions options)
    {
        var pool = options.LoadBalancerPool;
        var taken = new HashSet<IPAddress>();
        var result = new Service[services.Count];
        var pending = new List<int>();

        for (int i = 0; i < services.Count; i++)
        {
            var s = services[i];
            result[i] = s;
            if (s.Type != ServiceType.LoadBalancer || s.LoadBalancerClass is not null) continue;
            if (s.LoadBalancerIngress.Count > 0)
            {
                foreach (var a in s.LoadBalancerIngress) if (IPAddress.TryParse(a, out var ip)) taken.Add(ip);
                continue;
            }
            if (s.LoadBalancerIP is not null && IPAddress.TryParse(s.LoadBalancerIP, out var wanted) && pool.Contains(wanted))
            {
                // Two Services asking for one address share it (MetalLB's allow-shared-ip); both keep it.
                taken.Add(wanted);
                result[i] = s with { LoadBalancerIngress = [wanted.ToString()] };
                continue;
            }
            pending.Add(i);
        }

        UInt128 next = 1, last = NodeController.LastUsableOffset(pool);
        foreach (int i in pending)
        {
            string? address = null;
            while (next <= last)
            {
                var candidate = pool.AddressAt(next++);
                if (taken.Add(candidate)) { address = candidate.ToString(); break; }
            }
            if (address is null) break; // pool exhausted: the rest stay <pending>, as with MetalLB
            result[i] = result[i] with { LoadBalancerIngress = [address] };
        }
        return result;
    }
}
