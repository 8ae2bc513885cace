using System.Net;
using System.Net.Sockets;
using Podwire.Datapath;

namespace Podwire.Proxy.Tests;

/// <summary>
/// The netlink path against the real kernel, in throwaway namespaces (pw-t&lt;hex&gt;-…): elements
/// written as nf_tables batches must list exactly as the nft text of the same state loads, deltas
/// and full resyncs over an existing table must end in the same table, errors must name the
/// failing step and errno and leave nothing applied, and traffic must actually flow through the
/// maps. Root only.
/// </summary>
public sealed class NetlinkKernelTests
{
    public static IEnumerable<object[]> Cases() => Corpus.Cases();

    private static readonly NftRunner InProcessNft = new(ProcessRunner.Instance);

    /// <summary>The lab's way: nft in-process (libnftables), elements over netlink.</summary>
    private static ProxySyncer NetlinkSyncer(TestNetns ns) =>
        new((_, args, stdin) => InProcessNft.Run(ns.Name, args, stdin), _ =>
        {
            InProcessNft.Reset(ns.Name);
            return NfTablesSocket.Open(ns.Name);
        });

    private static string List(TestNetns ns)
    {
        var r = ns.Exec("nft", "list", "table", "ip", ProxyLayout.Table);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    /// <summary>The table as the text path loads it, in a namespace of its own.</summary>
    private static string ListedByText(ProxyState s)
    {
        using var ns = new TestNetns("proxy");
        var r = ns.Nft(ProxyRenderer.RenderFull(s));
        Assert.True(r.ExitCode == 0, r.Stderr);
        return List(ns);
    }

    /// <summary>A listing without the named chains' blocks.</summary>
    private static string WithoutChains(string listing, params string[] chains)
    {
        foreach (var c in chains)
        {
            int at = listing.IndexOf($"\n\tchain {c} {{\n", StringComparison.Ordinal); // with the blank line before it
            Assert.True(at >= 0, $"chain {c} not listed");
            int end = listing.IndexOf("\t}\n", at, StringComparison.Ordinal) + 3;
            listing = listing.Remove(at, end - at);
        }
        return listing;
    }

    [RootTheory]
    [MemberData(nameof(Cases))]
    public void NetlinkLoadsExactlyWhatTheTextPathLoads(string name)
    {
        var cluster = Corpus.LoadCase(name);
        foreach (var node in cluster.Nodes)
        {
            var state = ProxyCompiler.Compile(cluster, node.Name);
            using var ns = new TestNetns("proxy");
            using var syncer = NetlinkSyncer(ns);
            var r = syncer.Sync(node.Name, state);
            Assert.True(r.Ok, r.Error);
            Assert.Equal(state.ElementCount, r.NetlinkElements);
            Assert.Equal(ListedByText(state), List(ns));
        }
    }

    [RootFact]
    public void DeltasAndAFullResyncOverAnOldTableEndInTheSameTable()
    {
        var text = File.ReadAllText(Path.Combine(Corpus.Dir, "clusterip", "manifests.yaml"));
        var tracker = new ProxyChangeTracker("node-1");
        var a = tracker.Update(Corpus.LoadYaml(text)).State;
        var u = tracker.Update(Corpus.LoadYaml(text + Corpus.ThirdWebPod));
        using var ns = new TestNetns("proxy");
        using (var syncer = NetlinkSyncer(ns))
        {
            Assert.True(syncer.Sync("node-1", a).Ok);
            var r = syncer.Sync("node-1", u.State, u.Touched);
            Assert.True(r.Ok && !r.Full, r.Error);
            Assert.Equal(11, r.NetlinkElements);
            var listed = List(ns);
            // lb-2 and lb-2-a60 are unused now and kept until the next nft call (lazy deletion).
            Assert.Contains("chain lb-2 {", listed);
            Assert.Equal(ListedByText(u.State), WithoutChains(listed, "lb-2", "lb-2-a60"));
        }

        // A new syncer knows nothing: it resyncs fully over the table there (elements of the old
        // state, chains lb-3… it no longer needs), and must remove what is stale.
        using (var syncer = NetlinkSyncer(ns))
        {
            var r = syncer.Sync("node-1", a);
            Assert.True(r.Ok && r.Full, r.Error);
            Assert.Equal(ListedByText(a), List(ns));
        }
    }

    [RootFact]
    public void InProcessNftRunsInItsNamespaceOnly()
    {
        using var ns = new TestNetns("proxy");
        using var nft = new NftRunner(ProcessRunner.Instance);
        Assert.True(nft.InProcess, "libnftables.so.1 should load on this machine");
        string table = "pwlib" + Guid.NewGuid().ToString("N")[..8];
        for (int i = 0; i < 3; i++)
        {
            var r = nft.Run(ns.Name, ["-f", "-"], $"add table ip {table}\nadd chain ip {table} c{i}\n");
            Assert.True(r.Ok, r.Stderr);
        }
        Assert.Contains($"table ip {table}", ns.Exec("nft", "list", "tables").Stdout);
        Assert.DoesNotContain(table, Programs.Run("nft", "list", "tables").Stdout); // the host's own namespace
        var listed = nft.Run(ns.Name, ["list", "chains", "ip"]);
        Assert.True(listed.Ok, listed.Stderr);
        Assert.Contains("chain c2 {", listed.Stdout);
        var bad = nft.Run(ns.Name, ["-f", "-"], "add chain ip no-such-table c\n");
        Assert.False(bad.Ok);
        Assert.Contains("No such file or directory", bad.Stderr);
        Assert.Equal("", nft.Run(ns.Name, ["-f", "-"], $"delete table ip {table}\n").Stderr);
    }

    [RootFact]
    public void AFailingBatchNamesTheStepAndErrnoAndAppliesNothing()
    {
        var state = ProxyCompiler.Compile(Corpus.LoadCase("clusterip"), "node-1");
        using var ns = new TestNetns("proxy");
        Assert.Equal(0, ns.Nft(ProxyRenderer.RenderFull(state)).ExitCode);
        var before = List(ns);
        using var socket = NfTablesSocket.Open(ns.Name);
        var batch = new NftElementBatch(NftFamily.Ip, ProxyLayout.Table)
            .Add(ProxyLayout.HairpinSet, new NftElement(ProxyElements.HairpinKey("10.244.0.99 . 10.244.0.99")))
            .Delete(ProxyLayout.InternalMap, ProxyElements.FrontendKey("10.1.2.3 . tcp . 9"));
        var error = socket.Commit(batch);
        Assert.NotNull(error);
        Assert.Contains("delete element ip podwire-proxy internal", error);
        Assert.Contains("ENOENT", error);
        Assert.Equal(before, List(ns)); // the add in the same batch did not happen either

        var missing = socket.Commit(new NftElementBatch(NftFamily.Ip, "no-such-table").Flush("internal"));
        Assert.Contains("flush set ip no-such-table internal: ENOENT", missing);

        // The socket stays usable after errors.
        Assert.Null(socket.Commit(new NftElementBatch(NftFamily.Ip, ProxyLayout.Table)
            .Add(ProxyLayout.HairpinSet, new NftElement(ProxyElements.HairpinKey("10.244.0.99 . 10.244.0.99")))));
        Assert.Contains("10.244.0.99 . 10.244.0.99", List(ns));
    }

    [RootFact]
    public void ConnectionsFlowThroughElementsWrittenOverNetlink()
    {
        using var sandbox = new NetnsSandbox();
        string node = sandbox.Add("node"), client = sandbox.Add("client"), server = sandbox.Add("server");
        var runner = ProcessRunner.Instance;
        new IpBatch(node).Add("link set lo up")
            .Add($"link add c0 type veth peer name eth0 netns {client}").Add($"link add s0 type veth peer name eth0 netns {server}")
            .Add("addr add 10.244.0.1/24 dev c0").Add("link set c0 up").Add("addr add 10.244.1.1/24 dev s0").Add("link set s0 up")
            .Apply(runner);
        foreach (var (ns, ip, gw) in new[] { (client, "10.244.0.2/24", "10.244.0.1"), (server, "10.244.1.2/24", "10.244.1.1") })
            new IpBatch(ns).Add("link set lo up").Add($"addr add {ip} dev eth0").Add("link set eth0 up").Add($"route add default via {gw}").Apply(runner);
        Netns.RunIn(node, () => { File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1"); return 0; });
        using var listener = Netns.RunIn(server, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Any, 8080));
            s.Listen(16);
            return s;
        });
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try { using var c = await listener.AcceptAsync(); await c.SendAsync("hello"u8.ToArray()); }
                catch (Exception) { return; }
            }
        });

        var spec = TrackerTests.Spec.Plain(3);
        spec.Services[1].Endpoints.Clear();
        spec.Services[1].Endpoints.Add(new TrackerTests.Ep("10.244.1.2", true, false, "node-1"));
        var tracker = new ProxyChangeTracker("node-1");
        using var syncer = new ProxySyncer((_, args, stdin) => runner.Run("nsenter", ["--net=" + Netns.PathOf(node), "nft", .. args], stdin),
            _ => NfTablesSocket.Open(node));
        var full = syncer.Sync("node-1", tracker.Update(spec.Derive()).State);
        Assert.True(full.Ok, full.Error);
        Assert.Equal("hello", Connect(client, "10.96.1.1"));

        // The endpoint goes away: a delta over netlink moves the VIP to no-endpoints → reset.
        spec.Services[1].Endpoints.Clear();
        var u = tracker.Update(spec.Derive());
        var delta = syncer.Sync("node-1", u.State, u.Touched);
        Assert.True(delta.Ok && !delta.Full, delta.Error);
        Assert.Equal("refused", Connect(client, "10.96.1.1"));

        spec.Services[1].Endpoints.Add(new TrackerTests.Ep("10.244.1.2", true, false, "node-1"));
        u = tracker.Update(spec.Derive());
        Assert.True(syncer.Sync("node-1", u.State, u.Touched).Ok);
        Assert.Equal("hello", Connect(client, "10.96.1.1"));
    }

    private static string Connect(string netns, string vip) => Netns.RunIn(netns, () =>
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 3000 };
        try
        {
            var connect = s.ConnectAsync(new IPEndPoint(IPAddress.Parse(vip), 80));
            if (!connect.Wait(TimeSpan.FromSeconds(3))) return "timeout";
            var buf = new byte[16];
            int n = s.Receive(buf);
            return System.Text.Encoding.ASCII.GetString(buf, 0, n);
        }
        catch (AggregateException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }) { return "refused"; }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused) { return "refused"; }
    });
}
