using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Proxy;

/// <summary>
/// The Services whose Service object or EndpointSlices differ between two cluster snapshots
/// (added, removed or changed), by key "namespace/name". <see cref="Changed"/> is null when the
/// snapshots cannot be compared (first snapshot, or a list not in Service order): then everything
/// counts as changed. <see cref="Generation"/> numbers the snapshots of one tracker, so a consumer
/// can tell whether it saw the previous one.
/// </summary>
public sealed record ServiceChanges(ServiceChangeTracker Source, long Generation, IReadOnlyList<string>? Changed);

/// <summary>
/// kube-proxy's ServiceChangeTracker and EndpointsChangeTracker rolled into one, for a control
/// plane that hands over whole snapshots: one ordered pass over the new Services, comparing each
/// with the previous snapshot's (reference first, then content, see <see cref="InputEquality"/>),
/// together with its slices. One tracker can feed every node's <see cref="ProxyChangeTracker"/>,
/// so N nodes cost one pass. Not thread-safe.
/// </summary>
public sealed class ServiceChangeTracker
{
    private Service[] _services = [];
    private IReadOnlyList<EndpointSlice>[] _slices = [];
    private long _generation;
    private bool _valid;

    public ServiceChanges Update(DerivedCluster cluster)
    {
        var services = cluster.Services;
        var slices = new IReadOnlyList<EndpointSlice>[services.Count];
        var changed = new List<string>();
        bool comparable = _valid;
        for (int j = 0; j < services.Count; j++)
        {
            slices[j] = cluster.SlicesFor(services[j].Namespace, services[j].Name);
            if (j > 0 && Ordering.CompareServices(services[j - 1], services[j]) >= 0) comparable = false;
        }
        if (comparable)
        {
            // Both lists are in Service order: walk them side by side.
            int i = 0, k = 0;
            while (i < _services.Length || k < services.Count)
            {
                int c = i >= _services.Length ? 1 : k >= services.Count ? -1 : Ordering.CompareServices(_services[i], services[k]);
                if (c < 0) { changed.Add(_services[i].Key); i++; }
                else if (c > 0) { changed.Add(services[k].Key); k++; }
                else
                {
                    if (!InputEquality.SameService(_services[i], services[k]) || !InputEquality.SameSlices(_slices[i], slices[k]))
                        changed.Add(services[k].Key);
                    i++; k++;
                }
            }
        }
        _services = services as Service[] ?? [.. services];
        _slices = slices;
        _valid = comparable || IsOrdered(services);
        _generation++;
        return new ServiceChanges(this, _generation, comparable ? changed : null);
    }

    private static bool IsOrdered(IReadOnlyList<Service> services)
    {
        for (int j = 1; j < services.Count; j++)
            if (Ordering.CompareServices(services[j - 1], services[j]) >= 0) return false;
        return true;
    }
}
