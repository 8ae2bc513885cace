using Podwire.Model;
using Podwire.Model.Net;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

/// <summary>
/// A large cluster for scale tests (test-only): <c>services</c> Services in 100 namespaces, each
/// selecting its own app label; half the pods come from Deployments (5 replicas), the rest are bare
/// pods, so both the workload expansion and the selector index are exercised. Every 10th Service is
/// a NodePort, every 50th a LoadBalancer, every 20th headless.
/// </summary>
public static class ScaleModels
{
    public const int Namespaces = 100;

    public static ClusterModel Build(int services = 10_000, int pods = 50_000, int nodes = 250)
    {
        var options = new ClusterOptions
        {
            GeneratedNodes = nodes,
            ClusterCidr = Cidr.Parse("10.128.0.0/9"),
            NodeNetwork = Cidr.Parse("172.18.0.0/22"),
        };
        int perService = pods / services;
        int deployments = services / 2;
        var workloads = new List<Workload>(deployments);
        var podList = new List<Pod>(pods);
        var serviceList = new List<Service>(services);
        for (int i = 0; i < services; i++)
        {
            string ns = "ns-" + (i % Namespaces);
            string app = "app-" + i;
            var labels = L(("app", app), ("tier", (i % 3).ToString()));
            if (i < deployments)
                workloads.Add(Workload(WorkloadKind.Deployment, ns, app, perService, labels));
            else
                for (int k = 0; k < perService; k++)
                    podList.Add(Pod(ns, app + "-" + k, labels, ports: Port("http", 8080)));
            var type = i % 50 == 0 ? ServiceType.LoadBalancer : i % 10 == 0 ? ServiceType.NodePort : ServiceType.ClusterIP;
            var target = i % 2 == 0 ? PortRef.Of(8080) : PortRef.Named("http");
            serviceList.Add(Service(ns, app, L(("app", app)), type, i % 20 == 5 ? "None" : null, [SPort("http", 80, target)]));
        }
        return Cluster(options, pods: podList, services: serviceList, workloads: workloads);
    }
}
