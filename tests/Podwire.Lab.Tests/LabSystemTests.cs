using Podwire.Controllers.AddOns;
using Podwire.Controllers;
using Podwire.Lab.Daemon;
using Podwire.Model;
using Podwire.Sources;

namespace Podwire.Lab.Tests;

/// <summary>The lab's add-ons (DNS pods, ingress controller) laid over the user's cluster without moving anything the analyzer predicted.</summary>
public class LabSystemTests
{
    private static DerivedCluster Examples()
    {
        var loaded = ClusterLoader.Load([Path.Combine(Repo.Root, "examples")], new ClusterOptions());
        Assert.True(loaded.Ok, string.Join("\n", loaded.Problems));
        return ControlPlane.Derive(loaded.Model!);
    }

    [Fact]
    public void UserObjectsKeepEveryAssignment()
    {
        var user = Examples();
        var lab = LabCluster.WithAddOns(user);
        foreach (var p in user.Pods)
        {
            var q = lab.FindPod(p.Namespace, p.Name);
            Assert.NotNull(q);
            Assert.Equal((p.PodIP, p.NodeName), (q!.PodIP, q.NodeName));
        }
        foreach (var s in user.Services)
        {
            var t = lab.FindService(s.Namespace, s.Name)!;
            Assert.Equal(s.ClusterIPs, t.ClusterIPs);
            Assert.Equal(s.LoadBalancerIngress, t.LoadBalancerIngress);
            Assert.Equal(s.Ports.Select(x => x.NodePort), t.Ports.Select(x => x.NodePort));
        }
        // Slices of the user's Services are unchanged too.
        foreach (var s in user.EndpointSlices.Where(e => e.Namespace != "kube-system"))
            Assert.Contains(lab.EndpointSlices, e => e.Name == s.Name && e.Namespace == s.Namespace &&
                e.Endpoints.SelectMany(x => x.Addresses).SequenceEqual(s.Endpoints.SelectMany(x => x.Addresses)));
    }

    [Fact]
    public void DnsPodsBackKubeDnsAndTheIngressHasAnAddress()
    {
        var lab = LabCluster.WithAddOns(Examples());
        var dns = lab.Pods.Where(p => p.Namespace == "kube-system" && p.Labels.Get("k8s-app") == "kube-dns").ToList();
        Assert.Equal(2, dns.Count);
        Assert.All(dns, p => Assert.Equal(LabAddOns.DnsComponent, p.Annotations.Get(LabAddOns.ComponentAnnotation)));
        Assert.All(dns, p => Assert.StartsWith("coredns-", p.Name));
        Assert.Equal("10.96.0.10", lab.FindService("kube-system", "kube-dns")!.ClusterIP);
        var dnsEndpoints = lab.SlicesFor("kube-system", "kube-dns").SelectMany(s => s.Endpoints).SelectMany(e => e.Addresses).Order().ToList();
        Assert.Equal(dns.Select(p => p.PodIP!).Order().ToList(), dnsEndpoints);

        var ing = lab.FindService("podwire-system", "ingress")!;
        Assert.Equal(ServiceType.LoadBalancer, ing.Type);
        Assert.Single(ing.LoadBalancerIngress);
        Assert.Equal([80, 443], ing.Ports.Select(p => p.Port));
        var ingressPods = lab.Pods.Where(p => p.Namespace == "podwire-system").ToList();
        Assert.Single(ingressPods);
        Assert.True(LabAddOns.IsAddOn(ingressPods[0]));
        Assert.Single(lab.SlicesFor("podwire-system", "ingress").SelectMany(s => s.Endpoints));
        Assert.NotNull(lab.FindNamespace("podwire-system"));
        // Every address is still unique.
        var ips = lab.Pods.Where(p => p.PodIP is not null && !p.HostNetwork).Select(p => p.PodIP).ToList();
        Assert.Equal(ips.Count, ips.Distinct().Count());
        var cips = lab.Services.Where(s => s.ClusterIP is not null && s.ClusterIP != "None").Select(s => s.ClusterIP).ToList();
        Assert.Equal(cips.Count, cips.Distinct().Count());
    }

    [Fact]
    public void AUserObjectOfTheSameNameWins()
    {
        var yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: ingress, namespace: podwire-system}
            spec: {type: ClusterIP, selector: {app: mine}, ports: [{port: 8080}]}
            """;
        var loaded = ClusterLoader.FromLoadResult(ManifestLoader.LoadTexts([("t.yaml", yaml)]), new ClusterOptions());
        Assert.True(loaded.Ok, string.Join("\n", loaded.Problems));
        var lab = LabCluster.WithAddOns(ControlPlane.Derive(loaded.Model!));
        var svc = lab.FindService("podwire-system", "ingress")!;
        Assert.Equal(ServiceType.ClusterIP, svc.Type);
        Assert.Equal(8080, svc.Ports.Single().Port);
        Assert.Equal(1, lab.Services.Count(s => s.Key == "podwire-system/ingress"));
    }

    [Fact]
    public void IngressStatusIsFoldedIn()
    {
        var lab = LabCluster.WithAddOns(Examples());
        var first = lab.Input.Ingresses[0];
        var path = Path.Combine(Path.GetTempPath(), "pw-ingress-status-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            IngressStatusStore.Write(path, [new IngressStatusEntry(first.Key, "served", "ours", ["172.18.255.1"]), new IngressStatusEntry("x/bad", "refused", "hostile", [])]);
            var read = IngressStatusStore.Read(path);
            Assert.Equal(2, read.Count);
            var applied = IngressStatusStore.Apply(lab, read);
            Assert.Equal(["172.18.255.1"], applied.Input.Ingresses[0].LoadBalancerIngress);
            Assert.Empty(IngressStatusStore.Read(path + ".missing"));
        }
        finally { File.Delete(path); }
    }
}
