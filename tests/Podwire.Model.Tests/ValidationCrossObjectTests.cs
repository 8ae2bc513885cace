using k8s;
using k8s.Models;
using Podwire.Model;
using Podwire.Model.Validation;
using static Podwire.Model.Tests.ValidationTestKit;

namespace Podwire.Model.Tests;

public class ValidationCrossObjectTests
{
    private static string[] Cross(params IKubernetesObject[] objects)
    {
        var list = objects.Select((o, i) => (o, new SourceLocation("a.yaml", i * 10 + 1))).ToList();
        var problems = new List<Problem>();
        CrossObjectValidator.Validate(list, problems, Options);
        return problems.Select(p => $"{p.Location}: {p.Object}: {p.Field}: {p.Message}").ToArray();
    }

    private static V1Service Svc(string name, string? ns, string? ip, string type = "ClusterIP", int? nodePort = null, string? proto = null) => new()
    {
        Metadata = Meta(name, ns),
        Spec = new V1ServiceSpec { Type = type, ClusterIP = ip, Ports = [new V1ServicePort { Name = "p", Port = 80, NodePort = nodePort, Protocol = proto }] },
    };

    [Fact]
    public void DuplicateObjectsNameTheFirst()
    {
        // A namespaced object without a namespace lives in "default".
        Assert.Equal(["a.yaml:11: Service default/web: metadata.name: Duplicate value: \"web\": Service default/web is already defined at a.yaml:1"],
            Cross(Svc("web", "default", null), Svc("web", null, null)));
        Assert.Empty(Cross(Svc("web", "prod", null), Svc("web", "dev", null), new V1ServiceAccount { Metadata = Meta("web") }));
        Assert.Equal(["a.yaml:11: Namespace prod: metadata.name: Duplicate value: \"prod\": Namespace prod is already defined at a.yaml:1"],
            Cross(new V1Namespace { Metadata = Meta("prod", null) }, new V1Namespace { Metadata = Meta("prod", null) }));
    }

    [Fact]
    public void ClusterIPsAreUnique() =>
        Assert.Equal(["a.yaml:21: Service dev/api: spec.clusterIP: Invalid value: \"10.96.0.20\": provided IP is already allocated to Service prod/web (a.yaml:1)"],
            Cross(Svc("web", "prod", "10.96.0.20"), Svc("db", "prod", "None"), Svc("api", "dev", "10.96.0.20"), Svc("x", "dev", "None")));

    [Fact]
    public void NodePortsAreUniquePerProtocol()
    {
        Assert.Equal(["a.yaml:11: Service prod/b: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated to Service prod/a (a.yaml:1)"],
            Cross(Svc("a", "prod", null, "NodePort", 30080), Svc("b", "prod", null, "LoadBalancer", 30080)));
        Assert.Empty(Cross(Svc("a", "prod", null, "NodePort", 30080), Svc("b", "prod", null, "NodePort", 30080, "UDP")));
    }

    private static V1Pod PodAt(string name, string ip, bool hostNetwork = false) =>
        Pod(p => { p.Metadata.Name = name; p.Spec.HostNetwork = hostNetwork; p.Status = new V1PodStatus { PodIP = ip, PodIPs = [new V1PodIP { Ip = ip }] }; });

    [Fact]
    public void PodIPsAreUniqueExceptHostNetwork()
    {
        Assert.Equal(["a.yaml:11: Pod prod/b: status.podIP: Duplicate value: \"10.244.1.5\": also used by Pod prod/a (a.yaml:1)"],
            Cross(PodAt("a", "10.244.1.5"), PodAt("b", "10.244.1.5")));
        Assert.Empty(Cross(PodAt("a", "172.18.0.2", true), PodAt("b", "172.18.0.2", true)));
    }

    private static V1Node NodeWith(string name, string cidr) => new() { Metadata = Meta(name, null), Spec = new V1NodeSpec { PodCIDR = cidr } };

    [Fact]
    public void NodePodCidrsDoNotClash()
    {
        Assert.Equal(["a.yaml:11: Node n2: spec.podCIDR: Duplicate value: \"10.244.1.0/24\": also assigned to Node n1 (a.yaml:1)"],
            Cross(NodeWith("n1", "10.244.1.0/24"), NodeWith("n2", "10.244.1.0/24")));
        Assert.Equal(["a.yaml:11: Node n2: spec.podCIDR: Invalid value: \"10.244.0.0/16\": overlaps 10.244.1.0/24 assigned to Node n1 (a.yaml:1)"],
            Cross(NodeWith("n1", "10.244.1.0/24"), NodeWith("n2", "10.244.0.0/16")));
        Assert.Empty(Cross(NodeWith("n1", "10.244.1.0/24"), NodeWith("n2", "10.244.2.0/24")));
    }
}
