using Podwire.Controllers;
using Podwire.Lab.Topology;

namespace Podwire.Lab.Dataplane;

/// <summary>
/// A part of the dataplane the daemon keeps in sync with the cluster after the pod network is up:
/// the service proxy, network policy. Each owns its own nftables table(s) in the node namespaces
/// and applies every change as one atomic <c>nft -f</c> per node. <see cref="Sync"/> is called
/// after <c>up</c> and after every <c>apply</c> with the whole new state; components diff
/// internally so that a sync touches only what changed.
/// </summary>
public interface IDataplaneComponent
{
    string Name { get; }

    void Sync(DerivedCluster cluster, LabPlan plan);
}
