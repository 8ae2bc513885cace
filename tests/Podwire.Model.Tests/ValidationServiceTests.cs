using k8s.Models;
using Podwire.Model.Net;
using Podwire.Model.Validation;
using static Podwire.Model.Tests.ValidationTestKit;

namespace Podwire.Model.Tests;

public class ValidationServiceTests
{
    [Fact]
    public void ValidServiceHasNoProblems() => Assert.Empty(Problems(Service()));

    [Fact]
    public void SourceRangesOnlyForLoadBalancersAndOnlyCidrs()
    {
        Assert.Empty(Problems(Service(s => { s.Type = "LoadBalancer"; s.LoadBalancerSourceRanges = ["10.0.0.0/8", " 192.168.1.0/24"]; })));
        Assert.Equal(["spec.loadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"],
            Problems(Service(s => s.LoadBalancerSourceRanges = ["10.0.0.0/8"])));
        Assert.Single(Problems(Service(s => { s.Type = "LoadBalancer"; s.LoadBalancerSourceRanges = ["10.0.0.0"]; })),
            p => p.StartsWith("spec.loadBalancerSourceRanges[0]: Invalid value: \"10.0.0.0\"", StringComparison.Ordinal));
        var annotated = Service(s => s.Type = "LoadBalancer");
        annotated.Metadata.Annotations = new Dictionary<string, string> { [Podwire.Model.Service.SourceRangesAnnotation] = "10.0.0.0/8, nope" };
        Assert.Single(Problems(annotated), p => p.StartsWith("metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Invalid value", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownType() =>
        Assert.Equal(["spec.type: Unsupported value: \"Nodeport\": supported values: \"ClusterIP\", \"NodePort\", \"LoadBalancer\", \"ExternalName\""],
            Problems(Service(s => s.Type = "Nodeport")));

    [Fact]
    public void PortsRequiredExceptHeadlessAndExternalName()
    {
        Assert.Equal(["spec.ports: Required value"], Problems(Service(s => s.Ports = [])));
        Assert.Empty(Problems(Service(s => { s.Ports = []; s.ClusterIP = "None"; })));
        Assert.Empty(Problems(Service(s => { s.Ports = null; s.Type = "ExternalName"; s.ExternalName = "db.example.com."; })));
    }

    [Fact]
    public void PortNamesRequiredWhenSeveralAndUnique()
    {
        var svc = Service(s => s.Ports =
        [
            new V1ServicePort { Port = 80 },
            new V1ServicePort { Name = "http", Port = 81 },
            new V1ServicePort { Name = "http", Port = 82 },
            new V1ServicePort { Name = "Metrics", Port = 83 },
        ]);
        Assert.Equal(
        [
            "spec.ports[0].name: Required value",
            "spec.ports[2].name: Duplicate value: \"http\"",
            "spec.ports[3].name: Invalid value: \"Metrics\": " + NameRules.Dns1123LabelMessage,
        ], Problems(svc));
    }

    [Fact]
    public void PortNumbersProtocolsAndTargetPorts()
    {
        var svc = Service(s => s.Ports =
        [
            new V1ServicePort { Name = "a", Port = 70000, TargetPort = 0 },
            new V1ServicePort { Name = "b", Port = 53, Protocol = "ICMP", TargetPort = 65536 },
            new V1ServicePort { Name = "c", Port = 54, TargetPort = "Web_Port" },
            new V1ServicePort { Name = "d", Port = 54, TargetPort = "web" },
        ]);
        Assert.Equal(
        [
            "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
            "spec.ports[1].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive",
            "spec.ports[2].targetPort: Invalid value: \"Web_Port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "spec.ports[3]: Duplicate value: \"54/TCP\"",
        ], Problems(svc));
    }

    [Fact]
    public void NodePortRangeTypeAndUniqueness()
    {
        Assert.Equal(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
            Problems(Service(s => s.Ports[0].NodePort = 30080)));
        var svc = Service(s =>
        {
            s.Type = "NodePort";
            s.Ports =
            [
                new V1ServicePort { Name = "a", Port = 80, NodePort = 40000 },
                new V1ServicePort { Name = "b", Port = 81, NodePort = 30080 },
                new V1ServicePort { Name = "c", Port = 82, NodePort = 30080 },
                new V1ServicePort { Name = "d", Port = 82, Protocol = "UDP", NodePort = 30080 },
            ];
        });
        Assert.Equal(
        [
            "spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767",
            "spec.ports[2].nodePort: Duplicate value: 30080",
        ], Problems(svc));
        Assert.Empty(Problems(Service(s => { s.Type = "NodePort"; s.Ports[0].NodePort = 40000; }), Options with { NodePortMin = 40000, NodePortMax = 40010 }));
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("None", null)]
    [InlineData("10.96.0.10", null)]
    [InlineData("10.111.255.254", null)]
    [InlineData("10.97.0.5", null)]
    [InlineData("10.112.0.1", "provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12")]
    [InlineData("10.96.0.0", "provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12")]
    [InlineData("10.111.255.255", "provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12")]
    [InlineData("10.96.0.1000", "must be empty, 'None', or a valid IP address")]
    [InlineData("fd00::1", "IPv6 is not configured on this cluster")]
    public void ClusterIPMustBeInTheServiceRange(string ip, string? error)
    {
        var expected = error is null ? Array.Empty<string>() : [$"spec.clusterIP: Invalid value: \"{ip}\": {error}"];
        Assert.Equal(expected, Problems(Service(s => s.ClusterIP = ip)));
    }

    [Fact]
    public void ClusterIPOutsideASmallerRange() =>
        Assert.Equal(["spec.clusterIP: Invalid value: \"10.97.0.5\": provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/16"],
            Problems(Service(s => s.ClusterIP = "10.97.0.5"), Options with { ServiceCidr = Cidr.Parse("10.96.0.0/16") }));

    [Fact]
    public void IPv6ClusterIPInTheV6Range()
    {
        var opts = Options with { ServiceCidrV6 = Cidr.Parse("fd00:10:96::/112") };
        Assert.Empty(Problems(Service(s => { s.ClusterIP = "fd00:10:96::a"; s.ClusterIPs = ["fd00:10:96::a", "10.96.0.20"]; }), opts));
        Assert.Equal(["spec.clusterIPs[0]: Invalid value: \"10.96.0.21\": must match `clusterIP` when set"],
            Problems(Service(s => { s.ClusterIP = "10.96.0.20"; s.ClusterIPs = ["10.96.0.21"]; }), opts));
    }

    [Theory]
    [InlineData("NodePort")]
    [InlineData("LoadBalancer")]
    public void HeadlessIsNotAllowedForExternalTypes(string type) =>
        Assert.Equal([$"spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for {type} services"],
            Problems(Service(s => { s.Type = type; s.ClusterIP = "None"; })));

    [Fact]
    public void ExternalNameRules()
    {
        Assert.Equal(["spec.externalName: Required value"], Problems(Service(s => s.Type = "ExternalName")));
        Assert.Equal(["spec.externalName: Invalid value: \"db_host.example.com\": " + NameRules.Dns1123SubdomainMessage],
            Problems(Service(s => { s.Type = "ExternalName"; s.ExternalName = "db_host.example.com"; })));
        Assert.Equal(["spec.clusterIP: Forbidden: may not be set for ExternalName services"],
            Problems(Service(s => { s.Type = "ExternalName"; s.ExternalName = "www.example.com"; s.ClusterIP = "10.96.0.50"; })));
    }

    [Fact]
    public void SessionAffinity()
    {
        Assert.Equal(["spec.sessionAffinity: Unsupported value: \"Cookie\": supported values: \"None\", \"ClientIP\""],
            Problems(Service(s => s.SessionAffinity = "Cookie")));
        Assert.Empty(Problems(Service(s => { s.SessionAffinity = "ClientIP"; s.SessionAffinityConfig = Timeout(86400); })));
        Assert.Equal(["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"],
            Problems(Service(s => { s.SessionAffinity = "ClientIP"; s.SessionAffinityConfig = Timeout(0); })));
        Assert.Equal(["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400"],
            Problems(Service(s => { s.SessionAffinity = "ClientIP"; s.SessionAffinityConfig = Timeout(86401); })));
        Assert.Equal(["spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"],
            Problems(Service(s => s.SessionAffinityConfig = Timeout(60))));
    }

    private static V1SessionAffinityConfig Timeout(int t) => new() { ClientIP = new V1ClientIPConfig { TimeoutSeconds = t } };

    [Fact]
    public void TrafficPolicies()
    {
        Assert.Equal(["spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services"],
            Problems(Service(s => s.ExternalTrafficPolicy = "Local")));
        Assert.Empty(Problems(Service(s => { s.ExternalTrafficPolicy = "Local"; s.ExternalIPs = ["192.0.2.10"]; })));
        Assert.Equal(["spec.externalTrafficPolicy: Unsupported value: \"local\": supported values: \"Cluster\", \"Local\""],
            Problems(Service(s => { s.Type = "NodePort"; s.ExternalTrafficPolicy = "local"; })));
        Assert.Equal(["spec.internalTrafficPolicy: Unsupported value: \"Node\": supported values: \"Cluster\", \"Local\""],
            Problems(Service(s => s.InternalTrafficPolicy = "Node")));
    }

    [Fact]
    public void HealthCheckNodePortOnlyForLoadBalancerLocal()
    {
        Assert.Equal(["spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"],
            Problems(Service(s => { s.Type = "NodePort"; s.ExternalTrafficPolicy = "Local"; s.HealthCheckNodePort = 30100; })));
        Assert.Empty(Problems(Service(s => { s.Type = "LoadBalancer"; s.ExternalTrafficPolicy = "Local"; s.HealthCheckNodePort = 30100; })));
        Assert.Equal(["spec.healthCheckNodePort: Invalid value: 100: provided port is not in the valid range. The range of valid ports is 30000-32767"],
            Problems(Service(s => { s.Type = "LoadBalancer"; s.ExternalTrafficPolicy = "Local"; s.HealthCheckNodePort = 100; })));
    }

    [Fact]
    public void ExternalAndLoadBalancerIPs() =>
        Assert.Equal(
        [
            "spec.selector: Invalid value: \"web app\": " + NameRules.LabelValueMessage,
            "spec.externalIPs[1]: Invalid value: \"192.0.2\": " + IpRules.IpMessage,
            "spec.loadBalancerIP: Invalid value: \"lb.example.com\": " + IpRules.IpMessage,
        ], Problems(Service(s =>
        {
            s.Type = "LoadBalancer";
            s.Selector = new Dictionary<string, string> { ["app"] = "web app" };
            s.ExternalIPs = ["192.0.2.1", "192.0.2"];
            s.LoadBalancerIP = "lb.example.com";
        })));
}
