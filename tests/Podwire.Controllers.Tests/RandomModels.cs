using CsCheck;
using Podwire.Model;
using Podwire.Model.Net;
using static Podwire.Controllers.Tests.TestModels;

namespace Podwire.Controllers.Tests;

/// <summary>
/// Random but valid models for property tests. CsCheck draws the sizes (so failures shrink to small
/// models) and a seed; the details come from System.Random(seed). Given addresses and ports are
/// unique by construction, as validation would require.
/// </summary>
public static class RandomModels
{
    public sealed record Spec(int Nodes, int Pods, int Services, int Variant, int Seed)
    {
        public override string ToString() => $"nodes={Nodes} pods={Pods} services={Services} variant={Variant} seed={Seed}";
    }

    public static readonly Gen<Spec> Specs =
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 40], Gen.Int[0, 30], Gen.Int[0, 5], Gen.Int, (n, p, s, v, seed) => new Spec(n, p, s, v, seed));

    public static readonly string[] ServiceCidrs = ["10.96.0.0/24", "10.96.0.0/20", "10.96.0.0/12"];

    public static ClusterModel Build(Spec spec)
    {
        var r = new Random(spec.Seed);
        var options = new ClusterOptions
        {
            ServiceCidr = Cidr.Parse(ServiceCidrs[spec.Variant % 3]),
            NodeCidrMaskSize = spec.Variant >= 3 ? 28 : 24,           // /28: 13 pod addresses per node, so exhaustion happens
            NodePortMin = 30000,
            NodePortMax = spec.Variant >= 3 ? 30100 : 32767,
            GeneratedNodes = 1 + spec.Variant % 3,
            MaxEndpointsPerSlice = 1 + r.Next(5),
        };
        string[] namespaces = ["a", "b", "c"];

        var nodes = new List<Node>();
        for (int i = 0; i < spec.Nodes; i++)
        {
            bool givenCidr = r.Next(3) == 0, givenIp = r.Next(3) == 0;
            nodes.Add(Node("n" + i, givenCidr ? $"10.244.{200 + i}.0/24" : null, givenIp ? $"172.18.0.{100 + i}" : null,
                ready: r.Next(5) != 0, zone: r.Next(2) == 0 ? "z" + r.Next(2) : null));
        }
        var nodeNames = nodes.Count > 0 ? nodes.Select(n => n.Name).ToArray() : Enumerable.Range(1, options.GeneratedNodes).Select(i => "node-" + i).ToArray();

        var pods = new List<Pod>();
        for (int i = 0; i < spec.Pods; i++)
        {
            var labels = Labels.Of(("app", "x" + r.Next(3)), ("tier", r.Next(2).ToString()));
            var ports = r.Next(3) switch
            {
                0 => new[] { Port("http", 8080) },
                1 => [Port("http", 9090), Port("dns", 53, Protocol.UDP)],
                _ => [],
            };
            string? node = r.Next(3) == 0 ? nodeNames[r.Next(nodeNames.Length)] : null;
            string? ip = r.Next(5) == 0 ? $"10.244.250.{i + 1}" : null;
            pods.Add(Pod(namespaces[r.Next(3)], "p" + i, labels, node, ip, ready: r.Next(4) != 0, terminating: r.Next(10) == 0,
                phase: r.Next(20) == 0 ? "Succeeded" : "Running", hostNetwork: r.Next(10) == 0,
                hostname: r.Next(4) == 0 ? "h" + i : null, subdomain: r.Next(4) == 0 ? "s" + r.Next(5) : null, ports: ports));
        }

        var services = new List<Service>();
        for (int i = 0; i < spec.Services; i++) services.Add(RandomService(r, namespaces[r.Next(3)], "s" + i, i));

        var workloads = new List<Workload>();
        if (r.Next(2) == 0) workloads.Add(Workload(WorkloadKind.Deployment, "a", "dep", r.Next(4), Labels.Of(("app", "x0"))));
        if (r.Next(2) == 0) workloads.Add(Workload(WorkloadKind.StatefulSet, "b", "sts", r.Next(4), Labels.Of(("app", "x1")), serviceName: "s1"));
        if (r.Next(2) == 0) workloads.Add(Workload(WorkloadKind.DaemonSet, "c", "ds", 0, Labels.Of(("app", "x2"))));

        return Cluster(options, nodes, pods, services, workloads);
    }

    private static Service RandomService(Random r, string ns, string name, int i)
    {
        var type = (ServiceType)r.Next(4);
        Labels? selector = r.Next(6) switch
        {
            0 => null,
            1 => Labels.Empty,
            2 => Labels.Of(("app", "x" + r.Next(3)), ("tier", r.Next(2).ToString())),
            _ => Labels.Of(("app", "x" + r.Next(3))),
        };
        var target = r.Next(2) == 0 ? PortRef.Named("http") : PortRef.Of(8080);
        int? nodePort = type is ServiceType.NodePort or ServiceType.LoadBalancer && r.Next(5) == 0 ? 30000 + i : null;
        IReadOnlyList<ServicePort> ports = r.Next(3) == 0
            ? [SPort("http", 80, target, nodePort: nodePort), SPort("dns", 53, PortRef.Named("dns"), Protocol.UDP), SPort("dns-tcp", 53, PortRef.Of(53))]
            : [SPort("http", 80, target, nodePort: nodePort)];
        string? clusterIP = type == ServiceType.ExternalName ? null
            : r.Next(6) == 0 ? "None"
            : r.Next(5) == 0 ? $"10.96.0.{2 + i}" : null;
        var s = Service(ns, name, type == ServiceType.ExternalName ? null : selector, type, clusterIP, ports) with
        {
            ExternalName = type == ServiceType.ExternalName ? "example.com" : null,
            PublishNotReadyAddresses = r.Next(5) == 0,
            ExternalTrafficLocal = type == ServiceType.LoadBalancer && r.Next(2) == 0,
            AllocateLoadBalancerNodePorts = type == ServiceType.LoadBalancer && r.Next(4) != 0,
            Annotations = r.Next(4) == 0 ? Labels.Of((EndpointSliceController.TopologyModeAnnotation, "Auto")) : Labels.Empty,
        };
        if (clusterIP == "None" && type != ServiceType.ClusterIP) s = s with { ClusterIP = null, ClusterIPs = [] };
        return s;
    }
}
