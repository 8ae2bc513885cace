using Podwire.Lab.Topology;

namespace Podwire.Lab.Backends;

/// <summary>
/// A pod-network backend: how pod subnets on different nodes reach each other. Deliberately
/// small, like Flannel's backend contract: the MTU cost it imposes and what it configures on
/// each node given every node's lease (pod CIDR and underlay address).
/// </summary>
public interface IBackend
{
    string Name { get; }

    /// <summary>Bytes of encapsulation per packet: pod MTU = underlay MTU − this.</summary>
    int MtuOverhead { get; }

    /// <summary>Devices, routes, neighbours and FDB entries on <paramref name="node"/> to reach the other nodes' pods.</summary>
    void Render(LabPlan plan, NodePlan node, NodeScript script);

    /// <summary>
    /// The GSO/GRO size every link of the lab gets (BIG TCP), or null for the kernel default
    /// (64 KiB). Applied to all of the lab's links, the underlay's included, so node-to-node
    /// traffic gets the same as pod traffic.
    /// </summary>
    uint? GsoMaxSize => null;
}

public static class Backends
{
    public static readonly IReadOnlyList<string> Names = ["flannel-vxlan", "flannel-host-gw"];

    public static IBackend? Find(string name) => name switch
    {
        "flannel-vxlan" => new FlannelVxlan(),
        "flannel-host-gw" => new FlannelHostGw(),
        _ => null,
    };
}
