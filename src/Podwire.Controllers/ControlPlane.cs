using Podwire.Model;

namespace Podwire.Controllers;

/// <summary>
/// Runs the controllers in the order a real control plane converges: nodes, then the pods the
/// workload controllers create (DaemonSets need nodes), scheduling and IPAM, Service addresses,
/// and finally EndpointSlices (which need pod IPs). Why one entry point: every frontend must see
/// the same derived cluster, and it must be a pure function of the model (same model, same bytes).
/// </summary>
public static class ControlPlane
{
    /// <param name="pins">What a running cluster already assigned (<see cref="Assignments"/>): objects the
    /// model leaves unassigned keep it. None for a prediction from manifests alone.</param>
    public static DerivedCluster Derive(ClusterModel model, Assignments? pins = null)
    {
        var options = model.Options;
        var ipam = Ipam.PodIpams.For(options);
        var nodes = NodeController.Derive(model.Nodes, options, model.Pods, pins);

        var workloadPods = WorkloadController.Expand(model.Workloads, model.Pods, nodes);
        var allPods = new List<Pod>(model.Pods.Count + workloadPods.Count);
        allPods.AddRange(model.Pods);
        allPods.AddRange(workloadPods);
        var pods = pins is null ? PodController.Place(allPods, nodes, ipam) : PodController.Place(pins.Pin(allPods, nodes, ipam), nodes, ipam, pins.ReservedBesides(allPods));

        var services = Ordering.Sorted(BuiltinServices.Merge(model.Services, options), Ordering.CompareServices);
        if (pins is not null) services = [.. pins.Pin(services, options)];
        services = ServiceIpAllocator.Assign(services, options);
        services = NodePortAllocator.Assign(services, options);
        services = LoadBalancerAllocator.Assign(services, options);

        var slices = EndpointSliceController.Reconcile(services, pods, nodes, model.EndpointSlices, options);
        var namespaces = NamespaceController.Derive(model);
        return new DerivedCluster(model, namespaces, nodes, pods, services, slices);
    }
}
