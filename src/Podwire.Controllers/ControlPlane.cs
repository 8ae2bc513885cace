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
    public static DerivedCluster Derive(ClusterModel model)
    {
        var options = model.Options;
        var nodes = NodeController.Derive(model.Nodes, options, model.Pods);

        var workloadPods = WorkloadController.Expand(model.Workloads, model.Pods, nodes);
        var allPods = new List<Pod>(model.Pods.Count + workloadPods.Count);
        allPods.AddRange(model.Pods);
        allPods.AddRange(workloadPods);
        var pods = PodController.Place(allPods, nodes);

        var services = Ordering.Sorted(BuiltinServices.Merge(model.Services, options), Ordering.CompareServices);
        services = ServiceIpAllocator.Assign(services, options);
        services = NodePortAllocator.Assign(services, options);
        services = LoadBalancerAllocator.Assign(services, options);

        var slices = EndpointSliceController.Reconcile(services, pods, nodes, model.EndpointSlices, options);
        var namespaces = NamespaceController.Derive(model);
        return new DerivedCluster(model, namespaces, nodes, pods, services, slices);
    }
}
