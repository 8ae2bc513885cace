using Podwire.Model;

namespace Podwire.Controllers.AddOns;

/// <summary>
/// The add-ons every lab runs besides the user's manifests, as a real cluster's installer would
/// deploy them: CoreDNS-style pods (<c>kube-system/coredns</c>, label <c>k8s-app: kube-dns</c>)
/// behind the built-in <c>kube-system/kube-dns</c> Service, and the ingress controller
/// (<c>podwire-system/ingress</c> Deployment behind a LoadBalancer Service of the same name,
/// ports 80 and 443).
/// </summary>
/// <remarks>
/// The add-ons are laid on top of the user's derived cluster, never derived together with it:
/// every address, node and port the analyzer predicts for the user's objects from the same
/// manifests stays exactly as predicted (the allocators honour existing assignments), and the
/// add-ons take what is left. An object the user wrote under one of these names wins and the
/// add-on of that name is not added. Add-on pods carry <see cref="ComponentAnnotation"/>: the
/// daemon runs the DNS server or the ingress controller in them instead of probe sockets, and
/// <c>verify</c> leaves them out (they are not the user's workloads).
/// </remarks>
public static class LabAddOns
{
    public const string ComponentAnnotation = "podwire.io/component";
    public const string DnsComponent = "cluster-dns";
    public const string IngressComponent = "ingress";
    public const string IngressNamespace = "podwire-system";
    public const string IngressService = "ingress";

    /// <summary>The add-ons as manifests; parsed by whoever loads manifests (Lab.State's LabCluster), then laid on with <see cref="Extend"/>.</summary>
    public const string Manifest = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: podwire-system
          labels: {app.kubernetes.io/part-of: podwire}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: coredns
          namespace: kube-system
          labels: {k8s-app: kube-dns}
        spec:
          replicas: 2
          selector: {matchLabels: {k8s-app: kube-dns}}
          template:
            metadata:
              labels: {k8s-app: kube-dns}
              annotations: {podwire.io/component: cluster-dns}
            spec:
              dnsPolicy: Default
              containers:
              - name: coredns
                ports:
                - {name: dns, containerPort: 53, protocol: UDP}
                - {name: dns-tcp, containerPort: 53, protocol: TCP}
                - {name: metrics, containerPort: 9153, protocol: TCP}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ingress
          namespace: podwire-system
          labels: {app.kubernetes.io/name: podwire-ingress}
        spec:
          replicas: 1
          selector: {matchLabels: {app.kubernetes.io/name: podwire-ingress}}
          template:
            metadata:
              labels: {app.kubernetes.io/name: podwire-ingress}
              annotations: {podwire.io/component: ingress}
            spec:
              containers:
              - name: controller
                ports:
                - {name: http, containerPort: 80, protocol: TCP}
                - {name: https, containerPort: 443, protocol: TCP}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: ingress
          namespace: podwire-system
          labels: {app.kubernetes.io/name: podwire-ingress}
        spec:
          type: LoadBalancer
          selector: {app.kubernetes.io/name: podwire-ingress}
          ports:
          - {name: http, port: 80, targetPort: http, protocol: TCP}
          - {name: https, port: 443, targetPort: https, protocol: TCP}
        """;

    /// <summary>True for pods the lab added (DNS, ingress), which are not the user's workloads.</summary>
    public static bool IsAddOn(Pod p) => p.Annotations.Get(ComponentAnnotation) is not null;

    /// <summary>The user's derived cluster with the add-ons (<paramref name="addOns"/>: <see cref="Manifest"/> as a model) laid on top.</summary>
    public static DerivedCluster Extend(DerivedCluster user, ClusterModel addOns, Assignments? pins = null)
    {
        var input = user.Input;
        var workloads = addOns.Workloads.Where(w => !input.Workloads.Any(u => u.Kind == w.Kind && u.Namespace == w.Namespace && u.Name == w.Name)).ToList();
        var services = addOns.Services.Where(s => user.FindService(s.Namespace, s.Name) is null).ToList();
        var namespaces = addOns.Namespaces.Where(n => !input.Namespaces.Any(u => u.Name == n.Name)).ToList();
        if (workloads.Count == 0 && services.Count == 0 && namespaces.Count == 0) return user;

        var newPods = WorkloadController.Expand(workloads, user.Pods, user.Nodes);
        var ipam = Ipam.PodIpams.For(user.Options);
        var pods = PodController.Place([.. user.Pods, .. pins is null ? newPods : pins.Pin([.. user.Pods, .. newPods], user.Nodes, ipam).Skip(user.Pods.Count)], user.Nodes, ipam);

        var allServices = Ordering.Sorted([.. user.Services, .. pins is null ? services : pins.Pin(services, user.Options)], Ordering.CompareServices);
        allServices = ServiceIpAllocator.Assign(allServices, user.Options);
        allServices = NodePortAllocator.Assign(allServices, user.Options);
        allServices = LoadBalancerAllocator.Assign(allServices, user.Options);

        var model = input with
        {
            Namespaces = [.. input.Namespaces, .. namespaces],
            Workloads = [.. input.Workloads, .. workloads],
            Services = [.. input.Services, .. services],
        };
        var slices = EndpointSliceController.Reconcile(allServices, pods, user.Nodes, input.EndpointSlices, user.Options);
        return new DerivedCluster(model, NamespaceController.Derive(model), user.Nodes, pods, allServices, slices);
    }
}
