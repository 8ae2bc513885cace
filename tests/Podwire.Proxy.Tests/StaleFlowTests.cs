using Podwire.Controllers;

namespace Podwire.Proxy.Tests;

/// <summary>Which UDP/SCTP flows a change leaves pointing the wrong way (TrackerTests' Spec builds the clusters).</summary>
public sealed class StaleFlowTests
{
    private static TrackerTests.Spec OneUdpService(params TrackerTests.Ep[] eps)
    {
        var spec = new TrackerTests.Spec();
        spec.Services.Add(new TrackerTests.SvcSpec { Index = 0, Udp = true, Endpoints = [.. eps] });
        return spec;
    }

    private static IReadOnlyList<StaleFlow> Change(TrackerTests.Spec before, TrackerTests.Spec after)
    {
        var changes = new ServiceChangeTracker();
        var tracker = new ProxyChangeTracker("node-1");
        var a = before.Derive();
        tracker.Update(a, changes.Update(a));
        var b = after.Derive();
        return tracker.Update(b, changes.Update(b)).StaleFlows;
    }

    private static readonly TrackerTests.Ep A = new("10.244.0.2", true, false, "node-1"), B = new("10.244.1.3", true, false, "node-2"), C = new("10.244.0.4", true, false, "node-1");

    [Fact]
    public void AnEndpointThatLeavesItsUdpFrontendsHasItsFlowsForgotten()
    {
        var flows = Change(OneUdpService(A, B), OneUdpService(B, C));
        Assert.Equal([new StaleFlow("udp", "10.96.1.0", 53, "10.244.0.2", 5353)], flows);
    }

    [Fact]
    public void AFrontendThatGetsEndpointsForgetsEveryFlowToIt()
    {
        Assert.Equal([new StaleFlow("udp", "10.96.1.0", 53, null, 0)], Change(OneUdpService(), OneUdpService(A)));
        // A new Service counts as one that had none.
        Assert.Equal([new StaleFlow("udp", "10.96.1.0", 53, null, 0)], Change(new TrackerTests.Spec(), OneUdpService(A)));
    }

    [Fact]
    public void TcpAndUnchangedEndpointsNeedNothing()
    {
        Assert.Empty(Change(OneUdpService(A), OneUdpService(A, B)));
        var tcp = new TrackerTests.Spec();
        tcp.Services.Add(new TrackerTests.SvcSpec { Index = 0, Endpoints = [A, B] });
        var tcpAfter = new TrackerTests.Spec();
        tcpAfter.Services.Add(new TrackerTests.SvcSpec { Index = 0, Endpoints = [B] });
        Assert.Empty(Change(tcp, tcpAfter));
    }
}
