using System.Globalization;

namespace Podwire.Proxy;

/// <summary>
/// A UDP or SCTP flow conntrack would keep sending the wrong way after a change: to an endpoint
/// that left its frontend (<see cref="Endpoint"/> set), or, for a frontend that had no endpoints
/// (or no Service) and now has some, un-NATed as it was while rejected (<see cref="Endpoint"/>
/// null: every flow to the frontend). NAT is decided on a flow's first packet only, so such flows
/// stay wrong until conntrack forgets them (30–120 s for UDP) unless they are deleted, which is
/// what kube-proxy does for UDP (pkg/proxy/conntrack). TCP needs nothing: the peer resets or the
/// client reconnects.
/// </summary>
public sealed record StaleFlow(string Protocol, string Frontend, int Port, string? Endpoint, int EndpointPort);

internal static class StaleFlows
{
    /// <summary>Adds the stale flows one Service's change makes on this node (either side may be null).</summary>
    public static void Add(ServiceFragment? was, ServiceFragment? now, List<StaleFlow> into)
    {
        // Most changes are to TCP-only Services: no claim to look at, nothing to allocate.
        if (!HasConnectionless(was) && !HasConnectionless(now)) return;
        var before = Endpoints(was);
        var after = Endpoints(now);
        if (after is not null)
            foreach (var (key, (eps, _)) in after)
            {
                if (eps.Count == 0) continue;
                if (before is null || !before.TryGetValue(key, out var b) || b.Rejecting || b.Eps.Count == 0)
                    if (Frontend(key) is var (proto, ip, port)) into.Add(new StaleFlow(proto, ip, port, null, 0));
            }
        if (before is null) return;
        foreach (var (key, (eps, _)) in before)
        {
            if (Frontend(key) is not var (proto, ip, port)) continue;
            HashSet<string>? still = after is not null && after.TryGetValue(key, out var a) ? a.Eps : null;
            foreach (var ep in eps)
            {
                if (still is not null && still.Contains(ep)) continue;
                int dot = ep.IndexOf(" . ", StringComparison.Ordinal);
                into.Add(new StaleFlow(proto, ip, port, ep[..dot], int.Parse(ep.AsSpan(dot + 3), CultureInfo.InvariantCulture)));
            }
        }
    }

    private static bool HasConnectionless(ServiceFragment? f)
    {
        if (f is null) return false;
        foreach (var p in f.Service.Ports)
            if (p.Protocol != Podwire.Model.Protocol.TCP) return true;
        return false;
    }

    private static Dictionary<string, (HashSet<string> Eps, bool Rejecting)>? Endpoints(ServiceFragment? f)
    {
        if (f is null) return null;
        var d = new Dictionary<string, (HashSet<string>, bool)>(StringComparer.Ordinal);
        foreach (var c in f.Claims)
        {
            if (c.Target == ClaimTarget.Firewall) continue;
            if (!d.TryGetValue(c.Key, out var e)) e = (new HashSet<string>(StringComparer.Ordinal), false);
            if (c.Target == ClaimTarget.NoEndpoints) e.Item2 = true;
            foreach (var b in c.Backends) e.Item1.Add(b);
            d[c.Key] = e;
        }
        return d;
    }

    /// <summary>"10.96.0.10 . udp . 53" → (udp, 10.96.0.10, 53); null for TCP frontends.</summary>
    private static (string, string, int)? Frontend(string key)
    {
        var parts = key.Split(" . ");
        if (parts.Length != 3 || parts[1] is not ("udp" or "sctp")) return null;
        return (parts[1], parts[0], int.Parse(parts[2], CultureInfo.InvariantCulture));
    }
}
