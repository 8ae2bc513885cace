using CsCheck;
using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Proxy.Tests;

/// <summary>
/// The change trackers: an incremental update must give exactly what compiling the new cluster
/// from scratch gives, and its narrowed delta exactly the full comparison's, for any sequence of
/// changes — including Services fighting over one frontend (an externalIP equal to another
/// Service's ClusterIP), traffic policies, affinity, terminating endpoints.
/// </summary>
public sealed class TrackerTests
{
    private static readonly string[] NodeNames = ["node-1", "node-2"];

    [Fact]
    public void IncrementalUpdatesEqualAFullCompileForRandomChangeSequences()
    {
        int withFirewall = 0;
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var rng = new Random(seed);
            var spec = Spec.Random(rng);
            var shared = new ServiceChangeTracker();
            var trackers = NodeNames.ToDictionary(n => n, n => new ProxyChangeTracker(n));
            var own = new ProxyChangeTracker("node-1");
            var previous = new Dictionary<string, ProxyState>();
            for (int step = 0; step < 8; step++)
            {
                var cluster = spec.Derive();
                var changes = shared.Update(cluster);
                foreach (var node in NodeNames)
                {
                    var update = trackers[node].Update(cluster, changes);
                    var expected = ProxyCompiler.Compile(cluster, node);
                    Assert.Equal(ProxyRenderer.RenderTable(expected), ProxyRenderer.RenderTable(update.State));
                    Assert.Equal(expected.HealthChecks, update.State.HealthChecks);
                    Assert.Equal(expected.ElementCount, update.State.ElementCount);
                    if (previous.TryGetValue(node, out var before) && update.Touched is { } touched)
                    {
                        Assert.Same(before, touched.Base);
                        Assert.Equal(ProxyRenderer.RenderDelta(before, update.State),
                            ProxyRenderer.RenderDelta(ProxyDelta.Compute(before, update.State, touched)));
                    }
                    previous[node] = update.State;
                    if (update.State.Firewall.Count > 0) withFirewall++;
                }
                Assert.Equal(ProxyRenderer.RenderTable(previous["node-1"]), ProxyRenderer.RenderTable(own.Update(cluster).State));
                spec.Mutate(rng);
            }
        }, iter: 60);
        Assert.True(withFirewall > 0, "no generated state had loadBalancerSourceRanges");
    }

    [Fact]
    public void OneNewEndpointRecompilesOneServiceAndTouchesOnlyItsKeys()
    {
        var spec = Spec.Plain(50);
        var tracker = new ProxyChangeTracker("node-1");
        var first = tracker.Update(spec.Derive());
        Assert.Null(first.Touched);
        Assert.Equal(50 + 2, first.ServicesCompiled); // + the built-in kubernetes and kube-dns Services

        spec.Services[7].Endpoints.Add(new Ep("10.244.9.9", true, false, "node-2"));
        var second = tracker.Update(spec.Derive());
        Assert.Equal(1, second.ServicesCompiled);
        Assert.NotNull(second.Touched);
        Assert.Equal(["10.96.1.7 . tcp . 80"], second.Touched!.Frontends);
        var delta = ProxyDelta.Compute(first.State, second.State, second.Touched);
        Assert.Equal(["10.96.1.7 . tcp . 80 . 2"], delta.BackendsAdded);
        Assert.Equal(["10.96.1.7 . tcp . 80"], delta.InternalAdded);
        Assert.Equal(["lb-3"], delta.ChainsAdded);

        var third = tracker.Update(spec.Derive());
        Assert.Equal(0, third.ServicesCompiled);
        Assert.Same(second.State, third.State);
    }

    [Fact]
    public void AFrontendClaimedTwiceGoesToTheNextServiceWhenTheFirstLetsGo()
    {
        var spec = Spec.Plain(3);
        spec.Services[2].ExternalIPs.Add("10.96.1.1"); // svc-2's external IP is svc-1's ClusterIP
        var tracker = new ProxyChangeTracker("node-1");
        var s1 = tracker.Update(spec.Derive()).State;
        Assert.Equal("goto lb-2", s1.Internal["10.96.1.1 . tcp . 80"]);
        Assert.Equal("goto lbm-2", s1.External["10.96.1.1 . tcp . 80"]); // svc-1 has no external claim
        spec.Services.RemoveAt(1);
        var s2 = tracker.Update(spec.Derive()).State;
        Assert.Equal("goto lbm-2", s2.Internal["10.96.1.1 . tcp . 80"]);
        Assert.Equal(ProxyRenderer.RenderTable(ProxyCompiler.Compile(spec.Derive(), "node-1")), ProxyRenderer.RenderTable(s2));
    }

    [Fact]
    public void ANewPodOnTheNodeChangesOnlyTheHairpinSet()
    {
        var text = File.ReadAllText(Path.Combine(Corpus.Dir, "clusterip", "manifests.yaml"));
        var tracker = new ProxyChangeTracker("node-1");
        var a = tracker.Update(Corpus.LoadYaml(text)).State;
        // Named to sort last: pod addresses are assigned in name order, so no other pod moves.
        var lonePod = """

            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: zz-lone, namespace: default, labels: {app: lone}}
            spec:
              nodeName: node-1
              containers: [{name: c}]
            """;
        var cluster = Corpus.LoadYaml(text + lonePod);
        var b = tracker.Update(cluster);
        Assert.Equal(ProxyRenderer.RenderTable(ProxyCompiler.Compile(cluster, "node-1")), ProxyRenderer.RenderTable(b.State));
        var delta = ProxyDelta.Compute(a, b.State, b.Touched);
        Assert.Single(delta.HairpinAdded);
        Assert.False(delta.HasElements && delta.HairpinAdded.Count == 0);
        Assert.True(b.ServicesCompiled == 0, string.Join(",", b.Touched?.Frontends ?? []));
        Assert.Same(a.Backends, b.State.Backends);
    }

    [Fact]
    public void LayeredMapsBehaveLikeDictionariesAcrossVersions()
    {
        var baseMap = new LayeredMap(new Dictionary<string, string>(StringComparer.Ordinal) { ["a"] = "1", ["b"] = "2" });
        var v2 = baseMap.With(new Dictionary<string, string?> { ["a"] = null, ["c"] = "3" });
        var v3 = v2.With(new Dictionary<string, string?> { ["a"] = "9", ["b"] = null });
        Assert.Equal(["a=1", "b=2"], baseMap.Select(p => $"{p.Key}={p.Value}").Order());
        Assert.Equal(["b=2", "c=3"], v2.Select(p => $"{p.Key}={p.Value}").Order());
        Assert.Equal(["a=9", "c=3"], v3.Select(p => $"{p.Key}={p.Value}").Order());
        Assert.Equal((2, 2, 2), (baseMap.Count, v2.Count, v3.Count));
        Assert.False(v2.ContainsKey("a"));
        Assert.Equal("9", v3["a"]);
        // Folding into a new base once the overlay grows keeps the contents.
        var big = baseMap;
        for (int i = 0; i < 3000; i++) big = big.With(new Dictionary<string, string?> { ["k" + i] = i.ToString() });
        Assert.Equal(3002, big.Count);
        Assert.Equal(3002, big.Count());
        Assert.Equal("2999", big["k2999"]);
    }

    internal sealed record Ep(string Ip, bool Ready, bool Terminating, string Node);

    internal sealed class SvcSpec
    {
        public required int Index;
        public ServiceType Type = ServiceType.ClusterIP;
        public bool Udp, Affinity, Etl, Itl, Headless, Topology;
        public List<string> ExternalIPs = [];
        public string[] SourceRanges = [];
        public List<Ep> Endpoints = [];
    }

    /// <summary>A small mutable description of Services and endpoints, derived like the control plane does.</summary>
    internal sealed class Spec
    {
        public List<SvcSpec> Services = [];
        private int _next;

        public static Spec Plain(int n)
        {
            var s = new Spec();
            for (int i = 0; i < n; i++)
            {
                var svc = s.NewService();
                svc.Endpoints.Add(new Ep($"10.244.0.{i % 250 + 2}", true, false, "node-1"));
                svc.Endpoints.Add(new Ep($"10.244.1.{i % 250 + 2}", true, false, "node-2"));
            }
            return s;
        }

        public static Spec Random(Random rng)
        {
            var s = new Spec();
            int n = rng.Next(1, 9);
            for (int i = 0; i < n; i++) s.RandomService(rng);
            return s;
        }

        private SvcSpec NewService()
        {
            var svc = new SvcSpec { Index = _next++ };
            Services.Add(svc);
            return svc;
        }

        private void RandomService(Random rng)
        {
            var svc = NewService();
            svc.Type = (ServiceType)rng.Next(0, 4);
            svc.Udp = rng.Next(3) == 0;
            svc.Affinity = rng.Next(4) == 0;
            svc.Etl = rng.Next(3) == 0;
            svc.Itl = rng.Next(4) == 0;
            svc.Headless = rng.Next(8) == 0;
            svc.Topology = rng.Next(5) == 0;
            if (rng.Next(3) == 0) svc.ExternalIPs.Add(rng.Next(2) == 0 ? "172.18.254.1" : $"10.96.1.{rng.Next(0, 6)}");
            svc.SourceRanges = RandomRanges(rng);
            int eps = rng.Next(0, 4);
            for (int e = 0; e < eps; e++) svc.Endpoints.Add(RandomEp(rng));
        }

        // None, one shared by several Services, one containing the nodes, or overlapping ones.
        private static string[] RandomRanges(Random rng) => rng.Next(4) switch
        {
            0 => ["10.20.0.0/16"],
            1 => ["172.18.0.0/16", "172.18.0.3/32"],
            2 => ["192.168.1.0/24", "10.20.0.0/16"],
            _ => [],
        };

        private static Ep RandomEp(Random rng) =>
            new($"10.244.{rng.Next(0, 2)}.{rng.Next(2, 12)}", rng.Next(4) != 0, rng.Next(4) == 0, NodeNames[rng.Next(2)]);

        public void Mutate(Random rng)
        {
            int changes = rng.Next(1, 3);
            for (int c = 0; c < changes; c++)
            {
                if (Services.Count == 0) { RandomService(rng); continue; }
                var svc = Services[rng.Next(Services.Count)];
                switch (rng.Next(10))
                {
                    case 0: svc.Endpoints.Add(RandomEp(rng)); break;
                    case 1: if (svc.Endpoints.Count > 0) svc.Endpoints.RemoveAt(rng.Next(svc.Endpoints.Count)); break;
                    case 2: if (svc.Endpoints.Count > 0) { int i = rng.Next(svc.Endpoints.Count); svc.Endpoints[i] = svc.Endpoints[i] with { Ready = !svc.Endpoints[i].Ready }; } break;
                    case 3: svc.Etl = !svc.Etl; svc.Itl = rng.Next(2) == 0; break;
                    case 4: svc.Affinity = !svc.Affinity; break;
                    case 5: svc.Type = (ServiceType)rng.Next(0, 4); break;
                    case 6: RandomService(rng); break;
                    case 7: Services.Remove(svc); break;
                    case 8: svc.SourceRanges = RandomRanges(rng); break;
                    default:
                        if (svc.ExternalIPs.Count > 0) svc.ExternalIPs.Clear();
                        else svc.ExternalIPs.Add($"10.96.1.{rng.Next(0, 6)}");
                        break;
                }
            }
        }

        public DerivedCluster Derive()
        {
            var loc = SourceLocation.Generated;
            var nodes = new[]
            {
                new Node("node-1", Labels.Of(("topology.kubernetes.io/zone", "z1")), null, [], "172.18.0.2", true, loc),
                new Node("node-2", Labels.Of(("topology.kubernetes.io/zone", "z2")), null, [], "172.18.0.3", true, loc),
            };
            var services = new List<Service>();
            var slices = new List<EndpointSlice>();
            foreach (var spec in Services)
            {
                var name = "svc-" + spec.Index;
                string vip = spec.Headless ? Service.None : $"10.96.1.{spec.Index}";
                var ports = new List<ServicePort> { new("http", Protocol.TCP, 80, PortRef.Of(8080), null, null) };
                if (spec.Udp) ports.Add(new ServicePort("dns", Protocol.UDP, 53, PortRef.Of(5353), null, null));
                var annotations = spec.Topology ? Labels.Of(("service.kubernetes.io/topology-mode", "Auto")) : Labels.Empty;
                services.Add(new ServiceBuilder("default", name).Annotations(annotations).Type(spec.Type).ClusterIp(vip).Ports(ports)
                    .ExternalName(spec.Type == ServiceType.ExternalName ? "example.com" : null).ExternalIps([.. spec.ExternalIPs])
                    .SessionAffinity(spec.Affinity, 30).ExternalTrafficLocal(spec.Etl && spec.Type is ServiceType.LoadBalancer or ServiceType.NodePort)
                    .InternalTrafficLocal(spec.Itl).IpFamilies("IPv4").SourceRanges(spec.SourceRanges).At(loc).Build());
                var eps = spec.Endpoints.Select(e => new Endpoint([e.Ip], new EndpointConditions(e.Ready, e.Ready || e.Terminating, e.Terminating),
                    null, e.Node, e.Node == "node-1" ? "z1" : "z2", null, [e.Node == "node-1" ? "z1" : "z2"])).ToList();
                slices.Add(new EndpointSlice("default", name + "-1", name, "IPv4",
                    [new EndpointPort("http", Protocol.TCP, 8080, null), new EndpointPort("dns", Protocol.UDP, 5353, null)], eps,
                    "test", Labels.Of((EndpointSlice.ServiceNameLabel, name)), loc));
            }
            var model = ClusterModel.Empty(new ClusterOptions()) with
            {
                Namespaces = [new ClusterNamespace("default", Labels.Empty, Labels.Empty, loc)],
                Nodes = nodes,
                Services = services,
                EndpointSlices = slices,
            };
            return ControlPlane.Derive(model);
        }
    }
}
