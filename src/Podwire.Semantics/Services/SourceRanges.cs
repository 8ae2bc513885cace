using System.Net;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Semantics.Services;

/// <summary>
/// loadBalancerSourceRanges as kube-proxy applies them (SPECS 2, Service types): a connection to
/// one of a LoadBalancer Service's ingress addresses is dropped unless its source is inside one of
/// the ranges of its own family; ranges of the other family only, or none, admit everyone.
/// ClusterIPs, NodePorts and externalIPs are never filtered. Pure.
/// </summary>
public static class SourceRanges
{
    /// <summary>
    /// The Service's source ranges of one address family, as networks (unparseable text is left
    /// out: validation reports it). Empty when it has none of that family: nothing to enforce there.
    /// </summary>
    public static List<Cidr> Of(Service svc, System.Net.Sockets.AddressFamily family)
    {
        var list = new List<Cidr>(svc.LoadBalancerSourceRanges.Count);
        foreach (var text in svc.LoadBalancerSourceRanges)
            if (Cidr.TryParse(text.Trim(), out var range) && range.Network.AddressFamily == family) list.Add(range);
        return list;
    }

    /// <summary>Whether <paramref name="source"/> may reach <paramref name="destination"/> of <paramref name="svc"/>, and why.</summary>
    public static bool Admits(Service svc, string destination, string source, out string reason)
    {
        reason = "";
        if (svc.Type != ServiceType.LoadBalancer || svc.LoadBalancerSourceRanges.Count == 0) return true;
        bool isIngress = false;
        foreach (var ip in svc.LoadBalancerIngress) isIngress |= ip == destination;
        if (!isIngress || !IPAddress.TryParse(source, out var from)) return true;
        var ranges = Of(svc, from.AddressFamily);
        if (ranges.Count == 0) return true;
        foreach (var range in ranges)
            if (range.Contains(from))
            {
                reason = $"source {source} is inside loadBalancerSourceRanges {range} of {svc.Key}";
                return true;
            }
        reason = $"dropped before DNAT: source {source} is outside loadBalancerSourceRanges [{string.Join(", ", svc.LoadBalancerSourceRanges)}] of {svc.Key}";
        return false;
    }
}
