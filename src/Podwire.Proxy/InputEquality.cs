using Podwire.Model;

namespace Podwire.Proxy;

/// <summary>
/// Structural equality of the compiler's inputs. The model records hold lists, which records
/// compare by reference, and a re-derived cluster is all new instances: the change tracker needs
/// "same content" to tell which Services really changed. Source locations are ignored (they do
/// not reach the kernel); everything else counts, so a false "changed" only costs a recompile.
/// </summary>
internal static class InputEquality
{
    public static bool SameService(Service a, Service b)
    {
        if (ReferenceEquals(a, b)) return true;
        return a.Namespace == b.Namespace && a.Name == b.Name && a.Type == b.Type && a.ClusterIP == b.ClusterIP
            && Same(a.ClusterIPs, b.ClusterIPs) && Same(a.Ports, b.Ports) && a.ExternalName == b.ExternalName
            && Same(a.ExternalIPs, b.ExternalIPs) && a.SessionAffinityClientIP == b.SessionAffinityClientIP
            && a.SessionAffinityTimeoutSeconds == b.SessionAffinityTimeoutSeconds && a.ExternalTrafficLocal == b.ExternalTrafficLocal
            && a.InternalTrafficLocal == b.InternalTrafficLocal && a.HealthCheckNodePort == b.HealthCheckNodePort
            && a.PublishNotReadyAddresses == b.PublishNotReadyAddresses && a.LoadBalancerIP == b.LoadBalancerIP
            && a.LoadBalancerClass == b.LoadBalancerClass && a.AllocateLoadBalancerNodePorts == b.AllocateLoadBalancerNodePorts
            && Same(a.LoadBalancerIngress, b.LoadBalancerIngress) && Same(a.IpFamilies, b.IpFamilies)
            && a.TrafficDistribution == b.TrafficDistribution && Same(a.LoadBalancerSourceRanges, b.LoadBalancerSourceRanges)
            && Equals(a.Labels, b.Labels) && Equals(a.Annotations, b.Annotations) && Equals(a.Selector, b.Selector);
    }

    public static bool SameSlices(IReadOnlyList<EndpointSlice> a, IReadOnlyList<EndpointSlice> b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (!SameSlice(a[i], b[i])) return false;
        return true;
    }

    private static bool SameSlice(EndpointSlice a, EndpointSlice b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Namespace != b.Namespace || a.Name != b.Name || a.ServiceName != b.ServiceName || a.AddressType != b.AddressType
            || a.ManagedBy != b.ManagedBy || !Same(a.Ports, b.Ports) || a.Endpoints.Count != b.Endpoints.Count || !Equals(a.Labels, b.Labels))
            return false;
        for (int i = 0; i < a.Endpoints.Count; i++)
        {
            Endpoint x = a.Endpoints[i], y = b.Endpoints[i];
            if (ReferenceEquals(x, y)) continue;
            if (x.Conditions != y.Conditions || x.Hostname != y.Hostname || x.NodeName != y.NodeName || x.Zone != y.Zone
                || x.PodName != y.PodName || !Same(x.Addresses, y.Addresses) || !Same(x.ZoneHints, y.ZoneHints))
                return false;
        }
        return true;
    }

    /// <summary>What of a node the compiler reads: its name, address and zone.</summary>
    public static bool SameNode(Node? a, Node? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.Name == b.Name && a.InternalIP == b.InternalIP && a.Zone == b.Zone);

    private static bool Same<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Count != b.Count) return false;
        var cmp = EqualityComparer<T>.Default;
        for (int i = 0; i < a.Count; i++) if (!cmp.Equals(a[i], b[i])) return false;
        return true;
    }
}
