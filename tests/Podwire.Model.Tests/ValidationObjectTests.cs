using k8s.Models;
using Podwire.Model.Validation;
using static Podwire.Model.Tests.ValidationTestKit;

namespace Podwire.Model.Tests;

/// <summary>EndpointSlice, Node, Secret and the workload kinds.</summary>
public class ValidationObjectTests
{
    private static V1EndpointSlice Slice(string? type, params string[] addresses) => new()
    {
        Metadata = Meta("web-abc12"),
        AddressType = type,
        Endpoints = [new V1Endpoint { Addresses = addresses }],
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080 }],
    };

    [Fact]
    public void ValidSlices()
    {
        Assert.Empty(Problems(Slice("IPv4", "10.244.1.5")));
        Assert.Empty(Problems(Slice("IPv6", "fd00::5")));
        Assert.Empty(Problems(Slice("FQDN", "db.example.com")));
    }

    [Fact]
    public void SliceAddressTypeAndAddresses()
    {
        Assert.Equal(["addressType: Required value"], Problems(Slice(null, "10.0.0.1")));
        Assert.Equal(["addressType: Unsupported value: \"IPV4\": supported values: \"IPv4\", \"IPv6\", \"FQDN\""], Problems(Slice("IPV4", "10.0.0.1")));
        Assert.Equal(
        [
            "endpoints[0].addresses[0]: Invalid value: \"fd00::5\": must be an IPv4 address",
            "endpoints[0].addresses[1]: Invalid value: \"10.0.0.300\": " + IpRules.IpMessage,
        ], Problems(Slice("IPv4", "fd00::5", "10.0.0.300")));
        Assert.Equal(["endpoints[0].addresses[0]: Invalid value: \"10.0.0.1\": must be an IPv6 address"], Problems(Slice("IPv6", "10.0.0.1")));
        Assert.Equal(["endpoints[0].addresses[0]: Invalid value: \"DB.example.com\": " + NameRules.Dns1123SubdomainMessage], Problems(Slice("FQDN", "DB.example.com")));
        Assert.Equal(["endpoints[0].addresses: Required value: must contain at least 1 address"], Problems(Slice("IPv4")));
    }

    [Fact]
    public void SliceEndpointLimit()
    {
        var slice = Slice("IPv4", "10.0.0.1");
        slice.Endpoints = Enumerable.Range(0, 1001).Select(i => new V1Endpoint { Addresses = [$"10.0.{i / 250}.{i % 250 + 1}"] }).ToList();
        Assert.Equal(["endpoints: Too many: 1001: must have at most 1000 items"], Problems(slice));
    }

    [Fact]
    public void SlicePorts()
    {
        var slice = Slice("IPv4", "10.0.0.1");
        slice.Ports =
        [
            new Discoveryv1EndpointPort { Name = "", Port = null },
            new Discoveryv1EndpointPort { Name = "http", Port = 0 },
            new Discoveryv1EndpointPort { Name = "http", Port = 81, Protocol = "HTTP" },
        ];
        Assert.Equal(
        [
            "ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "ports[2].name: Duplicate value: \"http\"",
            "ports[2].protocol: Unsupported value: \"HTTP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
        ], Problems(slice));
    }

    private static V1Node Node(string? podCidr, IList<string>? podCidrs = null, string address = "172.18.0.2") => new()
    {
        Metadata = Meta("node-1", null),
        Spec = new V1NodeSpec { PodCIDR = podCidr, PodCIDRs = podCidrs },
        Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = address }, new V1NodeAddress { Type = "Hostname", Address = "node-1" }] },
    };

    [Fact]
    public void NodeCidrsAndAddresses()
    {
        Assert.Empty(Problems(Node("10.244.1.0/24", ["10.244.1.0/24", "fd00:1::/64"])));
        Assert.Equal(["spec.podCIDR: Invalid value: \"10.244.1.0\": " + IpRules.CidrMessage], Problems(Node("10.244.1.0")));
        Assert.Equal(
        [
            "spec.podCIDRs: Invalid value: []string{\"10.244.1.0/24\", \"10.244.2.0/24\"}: may specify no more than one CIDR for each IP family",
        ], Problems(Node("10.244.1.0/24", ["10.244.1.0/24", "10.244.2.0/24"])));
        Assert.Equal(["spec.podCIDRs[0]: Invalid value: \"10.244.2.0/24\": must match `spec.podCIDR`"], Problems(Node("10.244.1.0/24", ["10.244.2.0/24"])));
        Assert.Equal(["status.addresses[0].address: Invalid value: \"node-1.local\": " + IpRules.IpMessage], Problems(Node(null, null, "node-1.local")));
    }

    [Fact]
    public void TlsSecretNeedsCertAndKey()
    {
        var secret = new V1Secret { Metadata = Meta("shop-tls"), Type = "kubernetes.io/tls", Data = new Dictionary<string, byte[]> { ["tls.crt"] = [1] } };
        Assert.Equal(["data[tls.key]: Required value"], Problems(secret));
        secret.StringData = new Dictionary<string, string> { ["tls.key"] = "k" };
        Assert.Empty(Problems(secret));
        secret.Data["bad/key"] = [2];
        Assert.Equal(["data[bad/key]: Invalid value: \"bad/key\": " + NameRules.ConfigKeyMessage], Problems(secret));
    }

    [Fact]
    public void ServiceAccountNameOnly()
    {
        Assert.Empty(Problems(new V1ServiceAccount { Metadata = Meta("builder") }));
        Assert.Equal(["metadata.name: Invalid value: \"Builder\": " + NameRules.Dns1123SubdomainMessage], Problems(new V1ServiceAccount { Metadata = Meta("Builder") }));
    }

    [Fact]
    public void ValidDeployment() => Assert.Empty(Problems(Deployment()));

    [Fact]
    public void WorkloadReplicasAndSelector()
    {
        Assert.Equal(["spec.replicas: Invalid value: -1: must be greater than or equal to 0"], Problems(Deployment(s => s.Replicas = -1)));
        Assert.Equal(["spec.selector: Required value"], Problems(Deployment(s => s.Selector = null)));
        Assert.Equal(["spec.selector: Invalid value: {}: empty selector is invalid for deployment"], Problems(Deployment(s => s.Selector = new V1LabelSelector())));
        Assert.Equal(["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\", \"tier\":\"front\"}: `selector` does not match template `labels`"],
            Problems(Deployment(s => s.Selector.MatchLabels["app"] = "api")));
        Assert.Empty(Problems(Deployment(s => { s.Selector.MatchLabels = null; s.Selector.MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["front", "back"] }]; })));
    }

    [Fact]
    public void TemplateUsesPodRulesUnderSpecTemplate()
    {
        var d = Deployment(s => { s.Template.Spec.Containers[0].Ports[0].ContainerPort = 0; s.Template.Spec.DnsPolicy = "Cluster"; });
        Assert.Equal(
        [
            "spec.template.spec.containers[0].ports[0].containerPort: Required value",
            "spec.template.spec.dnsPolicy: Unsupported value: \"Cluster\": supported values: \"ClusterFirst\", \"ClusterFirstWithHostNet\", \"Default\", \"None\"",
        ], Problems(d));
        Assert.Equal(["spec.template: Required value"], Problems(Deployment(s => s.Template = null)));
    }

    [Fact]
    public void OtherWorkloadKinds()
    {
        var tmpl = Deployment().Spec.Template;
        var sel = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } };
        Assert.Empty(Problems(new V1ReplicaSet { Metadata = Meta("web-1"), Spec = new V1ReplicaSetSpec { Selector = sel, Template = tmpl } }));
        Assert.Empty(Problems(new V1DaemonSet { Metadata = Meta("agent"), Spec = new V1DaemonSetSpec { Selector = sel, Template = tmpl } }));
        Assert.Empty(Problems(new V1Job { Metadata = Meta("once"), Spec = new V1JobSpec { Template = tmpl } }));
        Assert.Equal(["spec.selector: Required value"], Problems(new V1Job { Metadata = Meta("once"), Spec = new V1JobSpec { ManualSelector = true, Template = tmpl } }));
        Assert.Equal(["spec.selector: Required value"], Problems(new V1DaemonSet { Metadata = Meta("agent"), Spec = new V1DaemonSetSpec { Template = tmpl } }));
        Assert.Empty(Problems(new V1StatefulSet { Metadata = Meta("db"), Spec = new V1StatefulSetSpec { ServiceName = "db", Selector = sel, Template = tmpl } }));
        Assert.Equal(["spec.serviceName: Invalid value: \"DB\": " + NameRules.Dns1035LabelMessage],
            Problems(new V1StatefulSet { Metadata = Meta("db"), Spec = new V1StatefulSetSpec { ServiceName = "DB", Selector = sel, Template = tmpl } }));
    }
}
