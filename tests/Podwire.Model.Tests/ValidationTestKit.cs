using k8s;
using k8s.Models;
using Podwire.Model;
using Podwire.Model.Validation;

namespace Podwire.Model.Tests;

/// <summary>Builders for valid objects (tests break one field each) and a runner that renders problems as "field: message".</summary>
internal static class ValidationTestKit
{
    public static readonly ClusterOptions Options = new();

    public static string[] Problems(IKubernetesObject obj, ClusterOptions? options = null)
    {
        var list = new List<Problem>();
        var sink = new ProblemSink(list, new SourceLocation("test.yaml", 1), ObjectKinds.RefOf(obj));
        ObjectValidator.Validate(obj, sink, options ?? Options);
        return list.Select(Format).ToArray();
    }

    public static string Format(Problem p) => $"{p.Field}: {p.Message}";

    public static V1ObjectMeta Meta(string name, string? ns = "prod") => new() { Name = name, NamespaceProperty = ns };

    public static V1Pod Pod(Action<V1Pod>? mutate = null)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "prod", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = PodSpec(),
            Status = new V1PodStatus { PodIP = "10.244.1.5", PodIPs = [new V1PodIP { Ip = "10.244.1.5" }] },
        };
        mutate?.Invoke(pod);
        return pod;
    }

    public static V1PodSpec PodSpec() => new()
    {
        Containers =
        [
            new V1Container
            {
                Name = "app",
                Image = "nginx",
                Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }, new V1ContainerPort { Name = "dns", ContainerPort = 53, Protocol = "UDP" }],
            },
        ],
    };

    public static V1Service Service(Action<V1ServiceSpec>? mutate = null)
    {
        var svc = new V1Service
        {
            Metadata = Meta("web"),
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = "web" },
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = "http" }],
            },
        };
        mutate?.Invoke(svc.Spec);
        return svc;
    }

    public static V1Ingress Ingress(Action<V1IngressSpec>? mutate = null)
    {
        var ing = new V1Ingress
        {
            Metadata = Meta("web"),
            Spec = new V1IngressSpec
            {
                IngressClassName = "podwire",
                Rules =
                [
                    new V1IngressRule
                    {
                        Host = "shop.example.com",
                        Http = new V1HTTPIngressRuleValue { Paths = [Path("/", "Prefix", ServiceBackend("web", 80))] },
                    },
                ],
            },
        };
        mutate?.Invoke(ing.Spec);
        return ing;
    }

    public static V1HTTPIngressPath Path(string path, string? type, V1IngressBackend backend) => new() { Path = path, PathType = type, Backend = backend };

    public static V1IngressBackend ServiceBackend(string name, int? number = null, string? portName = null) =>
        new() { Service = new V1IngressServiceBackend { Name = name, Port = new V1ServiceBackendPort { Number = number, Name = portName } } };

    public static V1NetworkPolicy Policy(Action<V1NetworkPolicySpec>? mutate = null)
    {
        var np = new V1NetworkPolicy
        {
            Metadata = Meta("allow-web"),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                PolicyTypes = ["Ingress"],
                Ingress = [new V1NetworkPolicyIngressRule()],
            },
        };
        mutate?.Invoke(np.Spec);
        return np;
    }

    public static V1Deployment Deployment(Action<V1DeploymentSpec>? mutate = null)
    {
        var d = new V1Deployment
        {
            Metadata = Meta("web"),
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" } },
                    Spec = PodSpec(),
                },
            },
        };
        mutate?.Invoke(d.Spec);
        return d;
    }
}
