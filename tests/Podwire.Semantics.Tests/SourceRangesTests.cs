using Podwire.Model;
using Podwire.Semantics.Services;

namespace Podwire.Semantics.Tests;

public sealed class SourceRangesTests
{
    private static Service Lb(params string[] ranges) =>
        new ServiceBuilder("default", "web").Type(ServiceType.LoadBalancer).ClusterIp("10.96.0.20").ExternalIps(["172.18.254.7"])
            .LoadBalancerIngress("172.18.255.1").IpFamilies("IPv4").SourceRanges(ranges).Build();

    [Fact]
    public void OnlyTheLoadBalancerAddressIsFiltered()
    {
        var svc = Lb("10.20.0.0/16");
        Assert.False(SourceRanges.Admits(svc, "172.18.255.1", "10.244.1.5", out var why));
        Assert.Contains("outside loadBalancerSourceRanges [10.20.0.0/16] of default/web", why);
        Assert.True(SourceRanges.Admits(svc, "172.18.255.1", "10.20.3.4", out why));
        Assert.Contains("inside", why);
        Assert.True(SourceRanges.Admits(svc, "10.96.0.20", "10.244.1.5", out _));   // ClusterIP
        Assert.True(SourceRanges.Admits(svc, "172.18.254.7", "10.244.1.5", out _)); // externalIP
    }

    [Fact]
    public void NoRangesOrOnlyOtherFamilyAdmitEveryone()
    {
        Assert.True(SourceRanges.Admits(Lb(), "172.18.255.1", "10.244.1.5", out _));
        Assert.True(SourceRanges.Admits(Lb("fd00::/8"), "172.18.255.1", "10.244.1.5", out _));
        Assert.True(SourceRanges.Admits(Lb("fd00::/8") with { Type = ServiceType.NodePort }, "172.18.255.1", "10.244.1.5", out _));
    }
}
