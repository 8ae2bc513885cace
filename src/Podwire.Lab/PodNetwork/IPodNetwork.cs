using Podwire.Datapath.Kernel;
using Podwire.Controllers;
using Podwire.Lab.Dataplane;
using Podwire.Lab.Topology;
using Podwire.Model;

namespace Podwire.Lab.PodNetwork;

/// <summary>
/// The pod-network contract: everything a backend (Flannel, Calico, Weave Net, Cilium…) decides
/// about how pods are addressed and how they reach each other. A backend implements it in one
/// folder under PodNetwork/ and is listed once in <see cref="PodNetworks"/>; the lab core
/// (plan, builder, daemon) and the analyzer (through <see cref="Ipam"/>) call only this.
/// Rendering members are pure: they write text into <see cref="NodeScript"/>s, which the
/// builder applies (one <c>ip -batch</c>, one <c>bridge -batch</c>, one <c>nft -f</c> per node).
/// </summary>
public interface IPodNetwork
{
    /// <summary>The name users pass to <c>--backend</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c>: which real system it follows and how.</summary>
    string Summary { get; }

    /// <summary>How pod addresses are handed out; the analyzer derives with the same scheme.</summary>
    PodIpamScheme Ipam { get; }

    PodNetworkCapabilities Capabilities { get; }

    /// <summary>Bytes of encapsulation per packet: pod MTU = underlay MTU − this.</summary>
    int MtuOverhead { get; }

    /// <summary>The GSO/GRO size every link of the lab gets (BIG TCP), or null for the kernel default (64 KiB).</summary>
    uint? GsoMaxSize { get; }

    /// <summary>A node joining: its devices, addresses, routes to every other node's pods, and filtering it needs.</summary>
    void RenderNode(LabPlan plan, NodePlan node, NodeScript script);

    /// <summary>
    /// A running node after others joined or left: only the delta (routes, neighbours, FDB
    /// entries for <paramref name="joined"/> added, those of <paramref name="left"/> removed).
    /// </summary>
    void RenderPeers(LabPlan plan, NodePlan node, IReadOnlyList<NodePlan> joined, IReadOnlyList<NodePlan> left, NodeScript script);

    /// <summary>The CNI network configuration list the runtime uses on <paramref name="node"/>.</summary>
    string ConfList(LabPlan plan, NodePlan node, string ipamDir);

    /// <summary>Long-running agents on <paramref name="node"/> (a BGP speaker, a gossip router, an eBPF loader), supervised by the daemon.</summary>
    IReadOnlyList<IPodNetworkAgent> Agents(LabPlan plan, NodePlan node, AgentContext context);

    /// <summary>
    /// Dataplane components this backend brings besides the lab's own. The lab's service proxy
    /// and network policy are left out when <see cref="Capabilities"/> says this backend replaces them.
    /// </summary>
    IReadOnlyList<IDataplaneComponent> Components(DataplaneContext context);

    /// <summary>
    /// Whatever the backend keeps outside the lab's namespaces and state folder (pinned eBPF
    /// maps, …), removed by <c>down</c>, also after a crash: it must work from names alone.
    /// </summary>
    void Teardown(LabNames names, LabPaths paths);
}

/// <summary>What a backend can do, and which of the lab's dataplane parts it replaces.</summary>
public sealed record PodNetworkCapabilities
{
    /// <summary>Pod packets between nodes are encapsulated (VXLAN, …) rather than routed natively.</summary>
    public bool Encapsulation { get; init; }
    /// <summary>The backend load-balances Services itself: the lab's nftables service proxy is not run.</summary>
    public bool ReplacesServiceProxy { get; init; }
    /// <summary>The backend enforces network policy itself: the lab's nftables policy is not run.</summary>
    public bool ReplacesNetworkPolicy { get; init; }
    /// <summary>Nodes may join and leave a running lab (<c>apply</c> with a different set of nodes).</summary>
    public bool NodeChanges { get; init; }
    /// <summary>Pods get IPv6 addresses.</summary>
    public bool Ipv6 { get; init; }
}

/// <summary>What components need to run: the daemon's log and the kernel boundary.</summary>
public sealed record DataplaneContext(Datapath.ICommandRunner Runner, TextWriter Log, LabPaths Paths);

/// <summary>What agents need to run: where their output goes and how processes are started and stopped.</summary>
public sealed record AgentContext(Processes.ProcessSupervisor Processes, LabPaths Paths, TextWriter Log);
