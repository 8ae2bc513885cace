using System.Net;
using Podwire.Model;

namespace Podwire.Controllers.Ipam;

/// <summary>
/// How a pod network hands out pod addresses: the node-level share of the pod network (a
/// podCIDR per node, affinity blocks, a ring range, nothing for a cluster pool) and the address
/// each pod gets. Why an interface in the pure layer: the analyzer and the lab must give every
/// pod the same address, so the scheme a backend uses is the one every derivation runs
/// (<see cref="ClusterOptions.PodIpam"/> picks it, <see cref="PodIpams.For"/> builds it).
/// </summary>
public interface IPodIpam
{
    PodIpamScheme Scheme { get; }

    /// <summary>Nodes to generate at least, when the user did not fix the count, so every pod with a given address has a node that owns it.</summary>
    int NodesWanted(IReadOnlyList<Pod> pods, ClusterOptions options);

    /// <summary>Gives each node its share of the pod network; what the input (or a pin) gave a node is kept.</summary>
    Node[] AssignNodes(Node[] nodes, ClusterOptions options, IReadOnlyList<Pod> pods);

    /// <summary>The index of the node whose pods may hold <paramref name="ip"/>, or -1 (a pod with that address is scheduled there).</summary>
    int OwnerOf(IPAddress ip, IReadOnlyList<Node> nodes);

    /// <summary>True when a pod on <paramref name="node"/> may keep <paramref name="ips"/> (a pin from a running cluster).</summary>
    bool Fits(IReadOnlyList<string> ips, Node node);

    /// <summary>An allocator for one derivation: <paramref name="taken"/> holds every address already in use.</summary>
    IPodAddressAllocator Allocator(IReadOnlyList<Node> nodes, HashSet<IPAddress> taken);

    /// <summary>Pods whose given address (status.podIP) the network cannot route where the pod runs, one sentence each.</summary>
    IReadOnlyList<string> Unroutable(IReadOnlyList<Node> nodes, IReadOnlyList<Pod> pods);
}

/// <summary>Hands out pod addresses during one derivation, in the order pods are asked for.</summary>
public interface IPodAddressAllocator
{
    /// <summary>One address per family the node serves, or null when the node has none left (the pod stays Pending).</summary>
    IReadOnlyList<string>? Allocate(int node);
}

/// <summary>The one table of IPAM schemes.</summary>
public static class PodIpams
{
    private static readonly NodeSubnetIpam NodeSubnets = new();

    public static IPodIpam For(ClusterOptions options) => For(options.PodIpam);

    public static IPodIpam For(PodIpamScheme scheme) => scheme switch
    {
        PodIpamScheme.NodeSubnets => NodeSubnets,
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "no IPAM for this scheme"),
    };
}
