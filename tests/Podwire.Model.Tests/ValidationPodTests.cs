using k8s.Models;
using Podwire.Model.Validation;
using static Podwire.Model.Tests.ValidationTestKit;

namespace Podwire.Model.Tests;

public class ValidationPodTests
{
    [Fact]
    public void ValidPodHasNoProblems() => Assert.Empty(Problems(Pod()));

    [Fact]
    public void ContainersAreRequired() =>
        Assert.Equal(["spec.containers: Required value"], Problems(Pod(p => p.Spec.Containers = [])));

    [Fact]
    public void ContainerNamesRequiredValidAndUniqueAcrossInitContainers()
    {
        var pod = Pod(p =>
        {
            p.Spec.Containers.Add(new V1Container { Name = "" });
            p.Spec.Containers.Add(new V1Container { Name = "Side_car" });
            p.Spec.InitContainers = [new V1Container { Name = "app" }];
        });
        Assert.Equal(
        [
            "spec.containers[1].name: Required value",
            "spec.containers[2].name: Invalid value: \"Side_car\": " + NameRules.Dns1123LabelMessage,
            "spec.initContainers[0].name: Duplicate value: \"app\"",
        ], Problems(pod));
    }

    [Fact]
    public void ContainerPortRules()
    {
        var pod = Pod(p => p.Spec.Containers[0].Ports =
        [
            new V1ContainerPort { Name = "http", ContainerPort = 0 },
            new V1ContainerPort { Name = "metrics", ContainerPort = 70000, Protocol = "tcp" },
            new V1ContainerPort { Name = "Admin", ContainerPort = 9000, HostPort = 65536 },
        ]);
        Assert.Equal(
        [
            "spec.containers[0].ports[0].containerPort: Required value",
            "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.containers[0].ports[1].protocol: Unsupported value: \"tcp\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
            "spec.containers[0].ports[2].name: Invalid value: \"Admin\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "spec.containers[0].ports[2].hostPort: Invalid value: 65536: must be between 1 and 65535, inclusive",
        ], Problems(pod));
    }

    [Fact]
    public void DuplicatePortNamesWithinAContainerAreRejected()
    {
        var pod = Pod(p => p.Spec.Containers.Add(new V1Container { Name = "sidecar", Ports = [new V1ContainerPort { Name = "http", ContainerPort = 9090 }, new V1ContainerPort { Name = "http", ContainerPort = 9091 }] }));
        Assert.Equal(["spec.containers[1].ports[1].name: Duplicate value: \"http\""], Problems(pod));
    }

    [Fact]
    public void TheSamePortNameInTwoContainersIsAllowed()
    {
        // The API server checks names per container; sidecars often reuse "http" or "metrics".
        var pod = Pod(p => p.Spec.Containers.Add(new V1Container { Name = "sidecar", Ports = [new V1ContainerPort { Name = "http", ContainerPort = 9090 }] }));
        Assert.Empty(Problems(pod));
    }

    [Fact]
    public void HostnameSubdomainAndNodeName()
    {
        var pod = Pod(p => { p.Spec.Hostname = "db.0"; p.Spec.Subdomain = "DB"; p.Spec.NodeName = "node_1"; });
        Assert.Equal(
        [
            "spec.hostname: Invalid value: \"db.0\": must not contain dots",
            "spec.subdomain: Invalid value: \"DB\": " + NameRules.Dns1123LabelMessage,
            "spec.nodeName: Invalid value: \"node_1\": " + NameRules.Dns1123SubdomainMessage,
        ], Problems(pod));
    }

    [Theory]
    [InlineData("ClusterFirst")]
    [InlineData("ClusterFirstWithHostNet")]
    [InlineData("Default")]
    public void KnownDnsPoliciesAreAccepted(string policy) => Assert.Empty(Problems(Pod(p => p.Spec.DnsPolicy = policy)));

    [Fact]
    public void UnknownDnsPolicy() =>
        Assert.Equal(["spec.dnsPolicy: Unsupported value: \"clusterfirst\": supported values: \"ClusterFirst\", \"ClusterFirstWithHostNet\", \"Default\", \"None\""],
            Problems(Pod(p => p.Spec.DnsPolicy = "clusterfirst")));

    [Fact]
    public void DnsPolicyNoneNeedsNameservers()
    {
        Assert.Equal(["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"],
            Problems(Pod(p => p.Spec.DnsPolicy = "None")));
        Assert.Equal(["spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None"],
            Problems(Pod(p => { p.Spec.DnsPolicy = "None"; p.Spec.DnsConfig = new V1PodDNSConfig { Searches = ["svc.cluster.local"] }; })));
        Assert.Empty(Problems(Pod(p => { p.Spec.DnsPolicy = "None"; p.Spec.DnsConfig = new V1PodDNSConfig { Nameservers = ["10.96.0.10"] }; })));
    }

    [Fact]
    public void DnsConfigLimits()
    {
        var pod = Pod(p => p.Spec.DnsConfig = new V1PodDNSConfig
        {
            Nameservers = ["1.1.1.1", "8.8.8.8", "9.9.9.9", "dns.google"],
            Searches = ["example.com.", "Bad_Domain"],
            Options = [new V1PodDNSConfigOption { Value = "5" }],
        });
        Assert.Equal(
        [
            "spec.dnsConfig.nameservers: Invalid value: []string{\"1.1.1.1\", \"8.8.8.8\", \"9.9.9.9\", \"dns.google\"}: must not have more than 3 nameservers",
            "spec.dnsConfig.nameservers[3]: Invalid value: \"dns.google\": " + IpRules.IpMessage,
            "spec.dnsConfig.searches[1]: Invalid value: \"Bad_Domain\": " + NameRules.Dns1123SubdomainMessage,
            "spec.dnsConfig.options[0].name: Required value",
        ], Problems(pod));
    }

    [Fact]
    public void SearchListLimits()
    {
        var many = Enumerable.Range(0, 33).Select(i => $"d{i}.example.com").ToList();
        var tooMany = Problems(Pod(p => p.Spec.DnsConfig = new V1PodDNSConfig { Searches = many }));
        Assert.Equal(["spec.dnsConfig.searches: Invalid value: " + FieldErrors.GoList(many) + ": must not have more than 32 search paths"], tooMany);

        // 9 names of 253 characters + 8 spaces = 2285 > 2048.
        var name = string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', 61);
        var longList = Enumerable.Repeat(name, 9).ToList();
        Assert.Equal(["spec.dnsConfig.searches: Invalid value: " + FieldErrors.GoList(longList) + ": must not have more than 2048 characters (including spaces) in the search list"],
            Problems(Pod(p => p.Spec.DnsConfig = new V1PodDNSConfig { Searches = longList })));
    }

    [Fact]
    public void PodIPsMustBeValid()
    {
        var pod = Pod(p => p.Status = new V1PodStatus { PodIP = "10.244.1.300", PodIPs = [new V1PodIP { Ip = "10.244.1.300" }, new V1PodIP { Ip = "fd00::1" }] });
        Assert.Equal(
        [
            "status.podIP: Invalid value: \"10.244.1.300\": " + IpRules.IpMessage,
            "status.podIPs[0].ip: Invalid value: \"10.244.1.300\": " + IpRules.IpMessage,
        ], Problems(pod));
    }

    [Fact]
    public void PodIPsOnePerFamilyAndFirstMatchesPodIP()
    {
        var pod = Pod(p => p.Status = new V1PodStatus { PodIP = "10.244.1.5", PodIPs = [new V1PodIP { Ip = "10.244.1.6" }, new V1PodIP { Ip = "10.244.1.7" }] });
        Assert.Equal(
        [
            "status.podIPs[0].ip: Invalid value: \"10.244.1.6\": must match `status.podIP`",
            "status.podIPs: Invalid value: []string{\"10.244.1.6\", \"10.244.1.7\"}: may specify no more than one IP for each IP family",
        ], Problems(pod));
    }

    [Theory]
    [InlineData("10.1")]
    [InlineData("010.0.0.1")]
    [InlineData("fe80::1%eth0")]
    public void LenientIpFormsAreRejected(string ip) =>
        Assert.Equal([$"status.podIP: Invalid value: \"{ip}\": " + IpRules.IpMessage], Problems(Pod(p => p.Status = new V1PodStatus { PodIP = ip })));

    [Fact]
    public void ReportsEveryProblemNotJustTheFirst()
    {
        var pod = Pod(p =>
        {
            p.Metadata.Name = "Web";
            p.Spec.Containers[0].Name = "App";
            p.Spec.Containers[0].Ports[0].ContainerPort = -1;
            p.Spec.DnsPolicy = "Bogus";
        });
        Assert.Equal(4, Problems(pod).Length);
    }
}
