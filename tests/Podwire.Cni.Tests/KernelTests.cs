using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Podwire.Cni;
using Podwire.Cni.Runtime;
using Podwire.Datapath;
using Podwire.Model.Net;

namespace Podwire.Cni.Tests;

/// <summary>podwire-cni against the real kernel, called as a runtime calls it (root only).</summary>
public class KernelTests
{
    private static string Conf(Sandbox sb, string subnet = "10.244.1.0/24", string ipamType = "podwire-ipam", string extra = "") =>
        $$$"""{"cniVersion":"1.1.0","name":"k8s-pod-network","type":"podwire-cni","bridge":"cni0","mtu":1450,"unknownKey":{"kept":true}{{{extra}}},"ipam":{"type":"{{{ipamType}}}","subnet":"{{{subnet}}}","dataDir":"{{{sb.DataDir}}}"},"dns":{"nameservers":["10.96.0.10"],"search":["default.svc.cluster.local"]}}""";

    [RootFact("creates network namespaces, veths and bridges")]
    public void Spec_minimal_vector_with_host_local_then_del_twice()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var pod = Sandbox.PathOf(sb.AddNetns("pod"));
        var conf = Conf(sb, "10.244.1.0/26", "host-local");
        var (stdout, exit, o) = sb.Call(node, "podwire-cni", conf, "ADD", "ctr1", pod, "eth0");
        Assert.True(exit == 0, stdout);
        var ip = o!["ips"]![0]!;
        Assert.True(Cidr.Parse("10.244.1.0/26").Contains(IPAddress.Parse(((string)ip["address"]!).Split('/')[0])));
        var iface = o["interfaces"]![(int)ip["interface"]!]!;
        Assert.Equal(pod, (string?)iface["sandbox"]);
        Assert.Equal("eth0", (string?)iface["name"]);
        Assert.Equal("1.1.0", (string?)o["cniVersion"]);
        Assert.Equal("10.96.0.10", (string?)o["dns"]!["nameservers"]![0]);

        var del = sb.Call(node, "podwire-cni", conf, "DEL", "ctr1", pod, "eth0");
        Assert.True(del.Exit == 0, del.Stdout);
        var again = sb.Call(node, "podwire-cni", conf, "DEL", "ctr1", pod, "eth0");
        Assert.True(again.Exit == 0, again.Stdout);
        Assert.False(sb.Ip(node, "link", "show", Names.HostVeth("ctr1", "eth0")).Ok);
        // host-local's lease is gone too.
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(sb.DataDir, "k8s-pod-network")), f => Path.GetFileName(f).StartsWith("10."));
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Add_configures_bridge_veth_address_route_mtu_and_lo()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var podNs = sb.AddNetns("pod");
        var (stdout, exit, o) = sb.Call(node, "podwire-cni", Conf(sb), "ADD", "ctr1", Sandbox.PathOf(podNs), "eth0");
        Assert.True(exit == 0, stdout);
        Assert.Equal("10.244.1.2/24", (string?)o!["ips"]![0]!["address"]);
        Assert.Equal("10.244.1.1", (string?)o["ips"]![0]!["gateway"]);
        var veth = Names.HostVeth("ctr1", "eth0");
        Assert.Equal(veth, (string?)o["interfaces"]![0]!["name"]);
        Assert.Null(o["interfaces"]![0]!["sandbox"]);
        Assert.Contains("10.244.1.1/24", sb.Ip(node, "-br", "addr", "show", "dev", "cni0").Stdout);
        Assert.Contains("master cni0", sb.Ip(node, "link", "show", "dev", veth).Stdout);
        var podLink = sb.Ip(podNs, "link", "show", "dev", "eth0").Stdout;
        Assert.Contains("mtu 1450", podLink);
        Assert.Contains((string)o["interfaces"]![1]!["mac"]!, podLink);
        Assert.Contains("10.244.1.2/24", sb.Ip(podNs, "-br", "addr", "show", "dev", "eth0").Stdout);
        Assert.Contains("default via 10.244.1.1 dev eth0", sb.Ip(podNs, "route").Stdout);
        Assert.Contains("UP", sb.Ip(podNs, "-br", "link", "show", "dev", "lo").Stdout.Replace("UNKNOWN", "UP"));
        // A second ADD of the same attachment without DEL is an error (the interface exists).
        Assert.NotEqual(0, sb.Call(node, "podwire-cni", Conf(sb), "ADD", "ctr1", Sandbox.PathOf(podNs), "eth0").Exit);
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Del_after_the_netns_is_gone_releases_the_address()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var podNs = sb.AddNetns("pod");
        var pod = Sandbox.PathOf(podNs);
        Assert.Equal(0, sb.Call(node, "podwire-cni", Conf(sb), "ADD", "ctr1", pod, "eth0").Exit);
        sb.DeleteNetns(podNs);
        var (stdout, exit, _) = sb.Call(node, "podwire-cni", Conf(sb), "DEL", "ctr1", pod, "eth0");
        Assert.True(exit == 0, stdout);
        Assert.Equal(0, sb.Call(node, "podwire-cni", Conf(sb), "DEL", "ctr1", null, "eth0").Exit);
        Assert.False(File.Exists(Path.Combine(sb.DataDir, "k8s-pod-network", "10.244.1.2")));
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Check_passes_after_add_and_fails_when_the_veth_is_removed_behind_its_back()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var pod = Sandbox.PathOf(sb.AddNetns("pod"));
        var add = sb.Call(node, "podwire-cni", Conf(sb), "ADD", "ctr1", pod, "eth0");
        Assert.Equal(0, add.Exit);
        var withPrev = Json.TryParseObject(Conf(sb))!;
        withPrev["prevResult"] = add.Json!.DeepClone();
        var check = sb.Call(node, "podwire-cni", Json.Serialize(withPrev), "CHECK", "ctr1", pod, "eth0");
        Assert.True(check.Exit == 0, check.Stdout);
        // Without prevResult CHECK cannot run.
        Assert.Equal(7, (int)sb.Call(node, "podwire-cni", Conf(sb), "CHECK", "ctr1", pod, "eth0").Json!["code"]!);

        Assert.True(sb.Ip(node, "link", "del", Names.HostVeth("ctr1", "eth0")).Ok);
        var broken = sb.Call(node, "podwire-cni", Json.Serialize(withPrev), "CHECK", "ctr1", pod, "eth0");
        Assert.NotEqual(0, broken.Exit);
        Assert.Equal(CniCodes.CheckFailed, (int)broken.Json!["code"]!);
        Assert.Equal(0, sb.Call(node, "podwire-cni", Conf(sb), "DEL", "ctr1", pod, "eth0").Exit);
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Version_status_and_gc_through_the_binary()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var v = sb.Call(node, "podwire-cni", """{"cniVersion":"1.0.0"}""", "VERSION");
        Assert.Equal("""{"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}""", v.Stdout.Trim());
        Assert.Equal(0, sb.Call(node, "podwire-cni", Conf(sb), "STATUS").Exit);
        var missingPath = sb.Call(node, "podwire-cni", Conf(sb), "GC", withPath: false);
        Assert.Equal(4, (int)missingPath.Json!["code"]!);
        Assert.Contains("CNI_PATH", (string?)missingPath.Json["msg"]);
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Gc_reclaims_an_address_leaked_by_a_crash()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var rt = sb.Runtime(node);
        var list = ConfList.Parse($$$"""{"cniVersion":"1.1.0","name":"gcnet","plugins":[{"type":"podwire-cni","bridge":"cni0","ipam":{"type":"podwire-ipam","subnet":"10.244.3.0/24","dataDir":"{{{sb.DataDir}}}"}}]}""");
        var keep = new CniInvocation("keep", Sandbox.PathOf(sb.AddNetns("keep")), "eth0");
        var leak = new CniInvocation("leak", Sandbox.PathOf(sb.AddNetns("leak")), "eth0");
        Assert.True(rt.Add(list, keep).Ok);
        Assert.True(rt.Add(list, leak).Ok);
        // The "crash": the pod's namespace disappears and no DEL ever comes.
        sb.DeleteNetns(sb.Prefix + "leak");
        var store = Path.Combine(sb.DataDir, "gcnet");
        Assert.True(File.Exists(Path.Combine(store, "10.244.3.3")));
        var gc = rt.Gc(list, [new CniAttachment("keep", "eth0")]);
        Assert.True(gc.Ok, gc.Error?.ToString());
        Assert.True(File.Exists(Path.Combine(store, "10.244.3.2")));
        Assert.False(File.Exists(Path.Combine(store, "10.244.3.3")));
        Assert.Equal([new CniAttachment("keep", "eth0")], rt.CachedAttachments(list));
        Assert.True(rt.Del(list, keep).Ok);
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Twenty_parallel_adds_get_twenty_distinct_addresses()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var pods = Enumerable.Range(0, 20).Select(i => Sandbox.PathOf(sb.AddNetns("p" + i))).ToArray();
        var results = new (string Stdout, int Exit, JsonObject? Json)[20];
        Parallel.For(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 20 }, i =>
            results[i] = sb.Call(node, "podwire-cni", Conf(sb), "ADD", "ctr" + i, pods[i], "eth0"));
        Assert.All(results, r => Assert.True(r.Exit == 0, r.Stdout));
        var ips = results.Select(r => (string)r.Json!["ips"]![0]!["address"]!).ToList();
        Assert.Equal(20, ips.Distinct().Count());
        Assert.All(ips, ip => Assert.StartsWith("10.244.1.", ip));
        for (int i = 0; i < 20; i++)
            Assert.Contains(ips[i], sb.Ip(sb.Prefix + "p" + i, "-br", "addr", "show", "dev", "eth0").Stdout);
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Two_pods_on_one_bridge_reach_each_other_over_tcp()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var a = sb.AddNetns("a");
        var b = sb.AddNetns("b");
        var ra = sb.Call(node, "podwire-cni", Conf(sb), "ADD", "ctr-a", Sandbox.PathOf(a), "eth0");
        var rb = sb.Call(node, "podwire-cni", Conf(sb), "ADD", "ctr-b", Sandbox.PathOf(b), "eth0");
        Assert.Equal(0, ra.Exit);
        Assert.Equal(0, rb.Exit);
        var ipB = IPAddress.Parse(((string)rb.Json!["ips"]![0]!["address"]!).Split('/')[0]);
        Assert.True(ProcessRunner.Instance.Run("ip", ["netns", "exec", a, "ping", "-c", "1", "-W", "2", ipB.ToString()]).Ok);

        // A listener opened inside pod b's namespace, a client from pod a's: traffic stays between them.
        using var listener = Netns.RunIn(b, () => { var l = new TcpListener(ipB, 0); l.Start(); return l; });
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accept = listener.AcceptTcpClientAsync();
        using var client = Netns.RunIn(a, () => { var c = new TcpClient(); c.Connect(ipB, port); return c; });
        using var server = accept.WaitAsync(TimeSpan.FromSeconds(5)).Result;
        client.GetStream().Write("hello"u8);
        var buf = new byte[5];
        server.GetStream().ReadExactly(buf);
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buf));
        var peer = (IPEndPoint)server.Client.RemoteEndPoint!;
        Assert.Equal(((string)ra.Json!["ips"]![0]!["address"]!).Split('/')[0], peer.Address.ToString());
    }
}
