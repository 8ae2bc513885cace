using Podwire.Model;
using Podwire.Semantics.Services;

namespace Podwire.Semantics.Tests;

public sealed class SourceRangesTests
{
    private static Service Lb(params string[] ranges) =>
        new Service("default", "web", Labels.Empty, Labels.Empty, ServiceType.LoadBalancer, null, "10.96.0.20", ["10.96.0.20"], [],
            null, ["172.18.254.7"], false, 0, false, false, null, false, null, null, true, ["172.18.255.1"], ["IPv4"], null, SourceLocation.Generated)
        { LoadBalancerSourceRanges = ranges };

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
