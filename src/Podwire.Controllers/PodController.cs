using System.Net;
using System.Net.Sockets;
using Podwire.Controllers.Ipam;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Controllers;

/// <summary>
/// Scheduling and pod addressing, as kube-scheduler (spread by pod count) and the pod network's
/// IPAM (<see cref="IPodIpam"/>) would do it. Why: every query needs a node and an address for each pod, and
/// manifests rarely carry them. Given nodeNames and IPs are kept; the rest is assigned in
/// (namespace, name) order so the same input gives the same placement. Exhaustion leaves a pod
/// Pending (as in a real cluster) instead of failing.
/// </summary>
public static class PodController
{
    public const string PendingPhase = "Pending";

    /// <summary>Places and addresses <paramref name="pods"/>; the result is sorted (namespace, name).</summary>
    /// <param name="reserved">Addresses no pod here may be given (held by pods placed elsewhere).</param>
    public static IReadOnlyList<Pod> Place(IReadOnlyList<Pod> pods, IReadOnlyList<Node> nodes, IPodIpam ipam, IReadOnlySet<string>? reserved = null)
    {
        var sorted = Ordering.Sorted(pods, Ordering.ComparePods);
        var nodeIndex = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++) nodeIndex.TryAdd(nodes[i].Name, i);

        Schedule(sorted, nodes, nodeIndex, ipam);
        Address(sorted, nodes, nodeIndex, ipam, reserved);
        return sorted;
    }

    private static void Schedule(Pod[] pods, IReadOnlyList<Node> nodes, Dictionary<string, int> nodeIndex, IPodIpam ipam)
    {
        var load = new int[nodes.Count];
        // A pod that already has an address belongs on the node whose pod subnet holds it: that is
        // where its address is routed (and where the cluster it came from had it).
        for (int i = 0; i < pods.Length; i++)
        {
            if (pods[i].NodeName is not null || pods[i].HostNetwork || pods[i].PodIP is null || !IPAddress.TryParse(pods[i].PodIP, out var ip)) continue;
            int owner = ipam.OwnerOf(ip, nodes);
            if (owner >= 0) pods[i] = pods[i] with { NodeName = nodes[owner].Name };
        }
        foreach (var p in pods)
            if (p.NodeName is not null && nodeIndex.TryGetValue(p.NodeName, out int n)) load[n]++;

        // Ties go to the earlier node in node order; NotReady nodes carry the not-ready taint and get nothing new.
        var queue = new PriorityQueue<int, (int Load, int Index)>();
        for (int i = 0; i < nodes.Count; i++)
            if (nodes[i].Ready) queue.Enqueue(i, (load[i], i));

        for (int i = 0; i < pods.Length; i++)
        {
            if (pods[i].NodeName is not null) continue;
            if (queue.Count == 0) { pods[i] = pods[i] with { Phase = PendingPhase }; continue; }
            queue.TryDequeue(out int node, out var prio);
            pods[i] = pods[i] with { NodeName = nodes[node].Name };
            queue.Enqueue(node, (prio.Load + 1, node));
        }
    }

    private static void Address(Pod[] pods, IReadOnlyList<Node> nodes, Dictionary<string, int> nodeIndex, IPodIpam ipam, IReadOnlySet<string>? reserved)
    {
        var taken = new HashSet<IPAddress>();
        if (reserved is not null) foreach (var r in reserved) if (IPAddress.TryParse(r, out var rip)) taken.Add(rip);
        foreach (var p in pods)
        {
            if (p.PodIP is not null && IPAddress.TryParse(p.PodIP, out var ip)) taken.Add(ip);
            foreach (var s in p.PodIPs) if (IPAddress.TryParse(s, out var ip2)) taken.Add(ip2);
        }
        var allocator = ipam.Allocator(nodes, taken);

        for (int i = 0; i < pods.Length; i++)
        {
            var p = pods[i];
            if (p.PodIP is not null)
            {
                if (p.PodIPs.Count == 0) pods[i] = p with { PodIPs = [p.PodIP] };
                continue;
            }
            if (p.PodIPs.Count > 0) { pods[i] = p with { PodIP = p.PodIPs[0] }; continue; }
            // Finished pods have released their address; they never get a new one.
            if (p.Phase is "Succeeded" or "Failed") continue;
            if (p.NodeName is null || !nodeIndex.TryGetValue(p.NodeName, out int n)) { pods[i] = p with { Phase = PendingPhase }; continue; }
            if (p.HostNetwork)
            {
                var nodeIP = nodes[n].InternalIP;
                pods[i] = nodeIP is null ? p with { Phase = PendingPhase } : p with { PodIP = nodeIP, PodIPs = [nodeIP] };
                continue;
            }
            var ips = allocator.Allocate(n);
            pods[i] = ips is null ? p with { Phase = PendingPhase } : p with { PodIP = ips[0], PodIPs = ips };
        }
    }

    public static bool IsIPv6(string ip) =>
        IPAddress.TryParse(ip, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6;
}
