using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Model;
using Podwire.Proxy;

/// <summary>
/// Service proxy at scale (issue 5), root only, in two throwaway rigs of namespaces
/// pw-tb&lt;hex&gt;-{a,b}-{node,client,server}: in each, the client (a pod) reaches the node through a
/// veth and the node routes to the server (a pod serving TCP); the node holds the podwire-proxy
/// table, with 10 Services in rig a and N in rig b. Measures, in one run:
///   1. compile + full sync of N Services × K endpoints (nft -f of the skeleton, then every element in
///      one netlink batch; with --text everything through one nft -f, the reference path);
///   2. adding one endpoint to one Service, from the changed cluster to the kernel: change tracking
///      (recompiling the changed Service only), delta, nft for a new chain if any, one netlink batch;
///   3. connection set-up latency (connect() to a ClusterIP, DNAT to the server) with 10 Services
///      loaded (rig a) and with N (rig b), in alternating rounds, so that the machine's slow and
///      fast phases fall on both alike (one rig measured before the other drifted by ±15 %).
/// </summary>
internal static class ProxyBench
{
    private const string ProbeVip = "10.96.0.100";

    public static int Run(string[] a)
    {
        int services = Arg(a, "--services", 10_000), endpoints = Arg(a, "--endpoints", 10), connects = Arg(a, "--connects", 2000);
        string tag = "pw-tb" + Guid.NewGuid().ToString("N")[..6];
        string nodeA = tag + "-a-node", clientA = tag + "-a-client", serverA = tag + "-a-server";
        string node = tag + "-b-node", client = tag + "-b-client", server = tag + "-b-server";
        var runner = ProcessRunner.Instance;
        try
        {
            Setup(runner, nodeA, clientA, serverA);
            Setup(runner, node, client, server);
            using var listenerA = Listen(serverA);
            using var listener = Listen(server);

            // The lab's way (ServiceProxy): nft text for the skeleton and chains, netlink batches for
            // elements; --text measures the reference path, everything through nft -f.
            bool text = a.Contains("--text");
            using var nft = new NftRunner(runner, inProcess: !a.Contains("--nft-process"));
            ProxySyncer Syncer(string netns) => text
                ? new ProxySyncer((_, script) =>
                {
                    var r = nft.Run(netns, ["-f", "-"], script);
                    return r.Ok ? null : r.Stderr;
                })
                : new ProxySyncer((_, args, stdin) => nft.Run(netns, args, stdin), _ => NfTablesSocket.Open(netns));
            using var syncerA = Syncer(nodeA);
            using var syncer = Syncer(node);
            Console.WriteLine($"path: {(text ? "nft text only" : "nft skeleton + netlink element batches")}; nft {(nft.InProcess ? "in-process (libnftables)" : "as a process (nsenter nft)")}");

            var small = Cluster(10, endpoints, extraEndpoint: false);
            var sw = Stopwatch.StartNew();
            var smallState = new ProxyChangeTracker("node-1").Update(small).State;
            var r0 = syncer.Sync("node-1", smallState);
            Check(r0);
            Console.WriteLine($"full sync, 10 Services × {endpoints}: {sw.ElapsedMilliseconds} ms ({smallState.ElementCount} elements)");
            Check(syncerA.Sync("node-1", smallState));
            // Warm-up of the incremental path (JIT; the lab's binary is NativeAOT): one change on the small cluster.
            var smallTracker = new ProxyChangeTracker("node-1");
            smallTracker.Update(small);
            var warm = smallTracker.Update(Cluster(10, endpoints, extraEndpoint: true));
            Check(syncer.Sync("node-1", warm.State, warm.Touched));
            Check(syncer.Sync("node-1", smallTracker.Update(small).State));

            var big = Cluster(services, endpoints, extraEndpoint: false);
            var changed = Cluster(services, endpoints, extraEndpoint: true);
            syncer.Forget("node-1");
            var tracker = new ProxyChangeTracker("node-1");
            Quiesce();
            int gcFull = GC.CollectionCount(2);
            sw.Restart();
            var bigState = tracker.Update(big).State;
            long compile = sw.ElapsedMilliseconds;
            var r1 = syncer.Sync("node-1", bigState);
            Check(r1);
            long full = sw.ElapsedMilliseconds;
            gcFull = GC.CollectionCount(2) - gcFull;
            Console.WriteLine($"full sync, {services} Services × {endpoints}: {full} ms (compile {compile} ms, kernel {full - compile} ms, {bigState.ElementCount} elements, {r1.ScriptBytes / 1024} KiB of nft text, {r1.NetlinkElements} elements over netlink; gen2 GCs: {gcFull})");

            if (!text)
            {
                // Breakdown, outside the measured interval: the C# side of the netlink path.
                var t = Stopwatch.StartNew();
                var batch = ProxyElements.Full(bigState);
                double build = t.Elapsed.TotalMilliseconds;
                var enc = NfNetlinkEncoder.Encode(batch, 1);
                Console.WriteLine($"  of which, in C#: elements to bytes {build:F0} ms, netlink encoding {t.Elapsed.TotalMilliseconds - build:F0} ms ({enc.Length / 1024} KiB in {enc.Messages.Count} messages)");
            }


            // From the changed cluster (the change accepted) to the kernel: find the changed
            // Service, recompile it, delta, apply. Five times adding the endpoint, each followed by
            // removing it again; every step gets a freshly derived cluster (new objects, no cached
            // indexes), as the daemon hands over after each apply. The first add creates chain
            // lb-K+1; later adds find it kept (unused chains are deleted lazily).
            var adds = new List<double>();
            var removes = new List<double>();
            string detail = "";
            int gen2 = 0;
            for (int i = 0; i < 5; i++)
            {
                if (i > 0) changed = Cluster(services, endpoints, extraEndpoint: true);
                Quiesce();
                int g = GC.CollectionCount(2);
                sw.Restart();
                var update = tracker.Update(changed);
                double tracking = sw.Elapsed.TotalMilliseconds;
                var r2 = syncer.Sync("node-1", update.State, update.Touched);
                Check(r2);
                adds.Add(sw.Elapsed.TotalMilliseconds);
                gen2 += GC.CollectionCount(2) - g;
                if (i == 0)
                {
                    detail = $"change tracking {tracking:F1} ms, {update.ServicesCompiled} Service recompiled; kernel {adds[0] - tracking:F1} ms: " +
                        $"{r2.ScriptBytes} bytes of nft text, {r2.NetlinkElements} elements over netlink";
                    var reference = ProxyCompiler.Compile(changed, "node-1");
                    if (ProxyRenderer.RenderTable(reference) != ProxyRenderer.RenderTable(update.State)) throw new InvalidOperationException("incremental state differs from a full compile");
                }
                big = Cluster(services, endpoints, extraEndpoint: false);
                Quiesce();
                g = GC.CollectionCount(2);
                sw.Restart();
                var back = tracker.Update(big);
                Check(syncer.Sync("node-1", back.State, back.Touched));
                removes.Add(sw.Elapsed.TotalMilliseconds);
                gen2 += GC.CollectionCount(2) - g;
            }
            Console.WriteLine($"add one endpoint to one Service, change → kernel: {string.Join(" / ", adds.Select(x => x.ToString("F1")))} ms (first: {detail})");
            Console.WriteLine($"remove it again: {string.Join(" / ", removes.Select(x => x.ToString("F1")))} ms; gen2 GCs inside the measured intervals: {gen2}");

            Latency(clientA, client, services, connects);
            return 0;
        }
        finally
        {
            foreach (var n in new[] { clientA, serverA, nodeA, client, server, node })
                if (Netns.Exists(n)) runner.Run("ip", ["netns", "del", n]);
        }
    }

    /// <summary>
    /// Collects the garbage the bench itself made (deriving whole 10k-Service clusters between
    /// samples) before a measured interval, so a pause it causes is not billed to the sync; the
    /// gen2 collections that still happen inside an interval are counted and printed.
    /// </summary>
    private static void Quiesce()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static void Check(NodeSyncResult r)
    {
        if (!r.Ok) throw new InvalidOperationException("sync failed: " + r.Error);
    }

    private static void Setup(ICommandRunner runner, string node, string client, string server)
    {
        foreach (var n in new[] { node, client, server }) Ok(runner.Run("ip", ["netns", "add", n]));
        var b = new IpBatch(node);
        b.Add("link set lo up");
        b.Add($"link add c0 type veth peer name eth0 netns {client}");
        b.Add($"link add s0 type veth peer name eth0 netns {server}");
        b.Add("addr add 10.244.0.1/24 dev c0").Add("link set c0 up");
        b.Add("addr add 10.244.1.1/24 dev s0").Add("link set s0 up");
        b.Apply(runner);
        foreach (var (ns, ip, gw) in new[] { (client, "10.244.0.2/24", "10.244.0.1"), (server, "10.244.1.2/24", "10.244.1.1") })
        {
            var p = new IpBatch(ns);
            p.Add("link set lo up").Add($"addr add {ip} dev eth0").Add("link set eth0 up").Add($"route add default via {gw}");
            p.Apply(runner);
        }
        Netns.RunIn(node, () => { File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1"); return 0; });
    }

    private static void Ok(CommandResult r)
    {
        if (!r.Ok) throw new InvalidOperationException(r.Stderr);
    }

    private static async Task Serve(Socket listener)
    {
        while (true)
        {
            Socket c;
            try { c = await listener.AcceptAsync(); }
            catch (Exception) { return; }
            c.Dispose();
        }
    }

    /// <summary>
    /// connect() to the probe VIP (SYN → DNAT → SYN-ACK) from both rigs in alternating rounds (the
    /// order flips each round), after a warm-up of each: medians and p90 over all samples, and the
    /// per-round ratio of medians, which is what a drift of the machine's speed cannot bias.
    /// </summary>
    private static void Latency(string small, string big, int services, int connects)
    {
        const int rounds = 20;
        int perRound = Math.Max(10, connects / rounds);
        Connects(small, 200);
        Connects(big, 200);
        var all = (Small: new List<double>(), Big: new List<double>());
        var ratios = new List<double>(rounds);
        for (int r = 0; r < rounds; r++)
        {
            List<double> a, b;
            if (r % 2 == 0) { a = Connects(small, perRound); b = Connects(big, perRound); }
            else { b = Connects(big, perRound); a = Connects(small, perRound); }
            all.Small.AddRange(a);
            all.Big.AddRange(b);
            ratios.Add(Quantile(b, 0.5) / Quantile(a, 0.5));
        }
        double s50 = Quantile(all.Small, 0.5), b50 = Quantile(all.Big, 0.5);
        Console.WriteLine($"connect latency to a ClusterIP, median/p90 (µs), {rounds} alternating rounds of {perRound}: " +
            $"10 Services {s50:F1}/{Quantile(all.Small, 0.9):F1}; {services} Services {b50:F1}/{Quantile(all.Big, 0.9):F1} " +
            $"(ratio {b50 / s50:F3}; per round: median {Quantile(ratios, 0.5):F3}, range {ratios.Min():F3}–{ratios.Max():F3})");
    }

    private static List<double> Connects(string clientNetns, int n) => Netns.RunIn(clientNetns, () =>
    {
        var list = new List<double>(n);
        var ep = new IPEndPoint(IPAddress.Parse(ProbeVip), 80);
        for (int i = 0; i < n; i++)
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.LingerState = new LingerOption(true, 0); // RST on close: no TIME_WAIT pile-up
            long t = Stopwatch.GetTimestamp();
            s.Connect(ep);
            list.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
        }
        return list;
    });

    private static double Quantile(List<double> samples, double q)
    {
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        return sorted[(int)(sorted.Length * q)];
    }

    private static Socket Listen(string serverNetns)
    {
        var listener = Netns.RunIn(serverNetns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Any, 8080));
            s.Listen(4096);
            return s;
        });
        _ = Task.Run(() => Serve(listener));
        return listener;
    }

    /// <summary>
    /// N selector-less Services with user EndpointSlices of K endpoints (the shape the proxy reads),
    /// derived as the control plane would. The probe Service (first) has K endpoints, all the server.
    /// </summary>
    private static DerivedCluster Cluster(int services, int perService, bool extraEndpoint)
    {
        var loc = SourceLocation.Generated;
        var node = new Node("node-1", Labels.Empty, "10.244.0.0/24", ["10.244.0.0/24"], "172.18.0.2", true, loc);
        var svcs = new List<Service>(services);
        var slices = new List<EndpointSlice>(services);
        for (int s = 0; s < services; s++)
        {
            string vip = s == 0 ? ProbeVip : $"10.{100 + s / 65536}.{s / 256 % 256}.{s % 256}";
            var name = "svc-" + s;
            svcs.Add(new Service("bench", name, Labels.Empty, Labels.Empty, ServiceType.ClusterIP, null, vip, [vip],
                [new ServicePort("http", Protocol.TCP, 80, PortRef.Of(8080), null, null)], null, [], false, 10800, false, false,
                null, false, null, null, true, [], ["IPv4"], null, loc));
            int k = perService + (extraEndpoint && s == services / 2 ? 1 : 0);
            var eps = new List<Endpoint>(k);
            for (int e = 0; e < k; e++)
            {
                string ip = s == 0 ? "10.244.1.2" : $"10.{200 + (s * 16 + e) / 65536}.{(s * 16 + e) / 256 % 256}.{(s * 16 + e) % 256}";
                eps.Add(new Endpoint([ip], new EndpointConditions(true, true, false), null, "node-1", null, null, []));
            }
            slices.Add(new EndpointSlice("bench", name + "-1", name, "IPv4", [new EndpointPort("http", Protocol.TCP, 8080, null)], eps,
                "bench", Labels.Of((EndpointSlice.ServiceNameLabel, name)), loc));
        }
        var model = ClusterModel.Empty(new ClusterOptions { ServiceCidr = Podwire.Model.Net.Cidr.Parse("10.96.0.0/12") }) with
        {
            Namespaces = [new ClusterNamespace("bench", Labels.Empty, Labels.Empty, loc)],
            Nodes = [node],
            Services = svcs,
            EndpointSlices = slices,
        };
        return ControlPlane.Derive(model);
    }

    private static int Arg(string[] a, string name, int def)
    {
        int i = Array.IndexOf(a, name);
        return i >= 0 && i + 1 < a.Length ? int.Parse(a[i + 1]) : def;
    }
}
