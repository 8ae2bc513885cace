using System.Diagnostics;
using Podwire.Model;
using Xunit.Abstractions;

namespace Podwire.Controllers.Tests;

public class ScaleTests(ITestOutputHelper output)
{
    [Fact]
    public void Ten_thousand_services_and_fifty_thousand_pods_derive_completely()
    {
        var model = ScaleModels.Build();
        var sw = Stopwatch.StartNew();
        var d = ControlPlane.Derive(model);
        output.WriteLine($"derive (cold): {sw.ElapsedMilliseconds} ms");   // reported, never asserted
        for (int i = 0; i < 3; i++)
        {
            sw.Restart();
            ControlPlane.Derive(model);
            output.WriteLine($"derive (warm): {sw.ElapsedMilliseconds} ms");
        }

        Assert.Equal(250, d.Nodes.Count);
        Assert.Equal(50_000, d.Pods.Count);
        Assert.All(d.Pods, p => Assert.NotNull(p.PodIP));
        Assert.Equal(50_000, d.Pods.Select(p => p.PodIP).Distinct().Count());
        Assert.Equal(10_002, d.Services.Count);
        var clusterIPs = d.Services.Where(s => !s.IsHeadless).Select(s => s.ClusterIP).ToArray();
        Assert.All(clusterIPs, ip => Assert.NotNull(ip));
        Assert.Equal(clusterIPs.Length, clusterIPs.Distinct().Count());
        Assert.Equal(1000, d.Services.Count(s => s.Ports[0].NodePort is not null));   // every 10th; the LoadBalancers are among them
        Assert.Equal(200, d.Services.Count(s => s.LoadBalancerIngress.Count == 1));
        // One slice per user Service (5 endpoints each), kube-dns's placeholder, and default/kubernetes.
        Assert.Equal(10_002, d.EndpointSlices.Count);
        Assert.Equal(50_001, d.EndpointSlices.Sum(s => s.Endpoints.Count));
        Assert.All(d.Services.Where(s => s.Namespace.StartsWith("ns-")), s =>
            Assert.Equal(5, d.SlicesFor(s.Namespace, s.Name).Single().Endpoints.Count));
        Assert.Equal(ScaleModels.Namespaces + 4, d.Namespaces.Count);
    }
}
