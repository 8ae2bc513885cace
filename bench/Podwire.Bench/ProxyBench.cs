using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Model;
using Podwire.Proxy;

/// <summary>
/// Service proxy at scale (issue 5), root only, in throwaway namespaces pw-tb&lt;hex&gt;-{node,client,server}:
/// the client (a pod) reaches the node through a veth and the node routes to the server (a pod
/// serving TCP); the node holds the podwire-proxy table. Measures, in one run:
///   1. compile + full sync (one nft -f) of N Services × K endpoints;
///   2. adding one endpoint to one Service: compile + delta + nft -f, from the change to the kernel;
///   3. connection set-up latency (connect() to a ClusterIP, DNAT to the server) with 10 Services
///      loaded and with N, same client, same server.
/// </summary>
internal static class ProxyBench
{
    private const string ProbeVip = "10.96.0.100";

    public static int Run(string[] a)
    {
        int services = Arg(a, "--services", 10_000), endpoints = Arg(a, "--endpoints", 10), connects = Arg(a, "--connects", 2000);
        string tag = "pw-tb" + Guid.NewGuid().ToString("N")[..6];
        string node = tag + "-node", client = tag + "-client", server = tag + "-server";
        var runner = ProcessRunner.Instance;
        try
        {
            Setup(runner, node, client, server);
            using var listener = Netns.RunIn(server, () =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(IPAddress.Any, 8080));
                s.Listen(4096);
                return s;
            });
            _ = Task.Run(() => Serve(listener));

            var syncer = new ProxySyncer((_, script) =>
            {
                var r = runner.Run("ip", ["netns", "exec", node, "nft", "-f", "-"], script);
                return r.Ok ? null : r.Stderr;
            });

            var small = Cluster(10, endpoints, extraEndpoint: false);
            var sw = Stopwatch.StartNew();
            var smallState = ProxyCompiler.Compile(small, "node-1");
            var r0 = syncer.Sync("node-1", smallState);
            Check(r0);
            Console.WriteLine($"full sync, 10 Services × {endpoints}: {sw.ElapsedMilliseconds} ms ({smallState.ElementCount} elements)");
            var latSmall = Latency(client, connects);

            var big = Cluster(services, endpoints, extraEndpoint: false);
            syncer.Forget("node-1");
            sw.Restart();
            var bigState = ProxyCompiler.Compile(big, "node-1");
            long compile = sw.ElapsedMilliseconds;
            var r1 = syncer.Sync("node-1", bigState);
            Check(r1);
            long full = sw.ElapsedMilliseconds;
            Console.WriteLine($"full sync, {services} Services × {endpoints}: {full} ms (compile {compile} ms, nft -f {full - compile} ms, {bigState.ElementCount} elements, {r1.ScriptBytes / 1024} KiB)");

            var latBig = Latency(client, connects);

            var changed = Cluster(services, endpoints, extraEndpoint: true);
            sw.Restart();
            var changedState = ProxyCompiler.Compile(changed, "node-1");
            long compile2 = sw.ElapsedMilliseconds;
            var r2 = syncer.Sync("node-1", changedState);
            Check(r2);
            long inc = sw.ElapsedMilliseconds;
            Console.WriteLine($"add one endpoint to one Service: {inc} ms from the change to the kernel (compile+diff {compile2} ms, delta {r2.ScriptBytes} bytes, nft -f {inc - compile2} ms)");

            var latSmall2 = Latency(client, connects);
            Console.WriteLine($"connect latency to a ClusterIP, median/p90 (µs): 10 Services {latSmall.P50:F0}/{latSmall.P90:F0}; {services} Services {latBig.P50:F0}/{latBig.P90:F0} (ratio {latBig.P50 / latSmall.P50:F3})");
            return 0;
        }
        finally
        {
            foreach (var n in new[] { client, server, node }) runner.Run("ip", ["netns", "del", n]);
        }
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

    /// <summary>Median and p90 of connect() to the probe VIP (SYN → DNAT → SYN-ACK), after a warm-up.</summary>
    private static (double P50, double P90) Latency(string clientNetns, int n)
    {
        var samples = Netns.RunIn(clientNetns, () =>
        {
            var list = new List<double>(n);
            var ep = new IPEndPoint(IPAddress.Parse(ProbeVip), 80);
            for (int i = 0; i < n + 100; i++)
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.LingerState = new LingerOption(true, 0); // RST on close: no TIME_WAIT pile-up
                long t = Stopwatch.GetTimestamp();
                s.Connect(ep);
                double us = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
                if (i >= 100) list.Add(us);
            }
            return list;
        });
        samples.Sort();
        return (samples[samples.Count / 2], samples[samples.Count * 9 / 10]);
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
