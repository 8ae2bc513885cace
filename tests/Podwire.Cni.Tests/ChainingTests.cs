using System.Net;
using System.Text.Json.Nodes;
using Podwire.Cni;
using Podwire.Cni.Runtime;
using Podwire.Datapath;

namespace Podwire.Cni.Tests;

/// <summary>Conflists run through <see cref="CniRuntime"/> with Debian's reference plugins (spec 1.0.0, their highest).</summary>
public class ChainingTests
{
    [RootFact("creates network namespaces, veths and bridges")]
    public void Podwire_then_tuning_then_bandwidth_passes_the_result_through_and_deletes_in_reverse()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var podNs = sb.AddNetns("pod");
        var rt = sb.Runtime(node);
        var list = ConfList.Parse($$$"""
            {"cniVersion":"1.0.0","name":"chain","plugins":[
              {"type":"podwire-cni","bridge":"cni0","mtu":1400,"ipam":{"type":"podwire-ipam","subnet":"10.244.5.0/24","dataDir":"{{{sb.DataDir}}}"}},
              {"type":"tuning","mac":"c2:11:22:33:44:55","sysctl":{"net.ipv4.conf.eth0.arp_notify":"1"}},
              {"type":"bandwidth","capabilities":{"bandwidth":true}}]}
            """);
        var inv = new CniInvocation("ctr-chain", Sandbox.PathOf(podNs), "eth0", null,
            new JsonObject { ["bandwidth"] = new JsonObject { ["ingressRate"] = 8_000_000, ["ingressBurst"] = 800_000, ["egressRate"] = 8_000_000, ["egressBurst"] = 800_000 } });

        var add = rt.Add(list, inv);
        Assert.True(add.Ok, add.Error?.ToString() + " from " + add.FailedPlugin);
        var result = CniResult.Parse(add.Result!);
        Assert.Equal("1.0.0", Json.Str(add.Result, "cniVersion"));
        var veth = Names.HostVeth("ctr-chain", "eth0");
        // Ours first, untouched in order; bandwidth appends the ifb device it made for egress.
        Assert.Equal([veth, "eth0"], result.Interfaces.Take(2).Select(i => i.Name));
        Assert.Equal(3, result.Interfaces.Count);
        Assert.StartsWith("bwp", result.Interfaces[2].Name);
        Assert.Equal(inv.Netns, result.Interfaces[1].Sandbox);
        // tuning changed the MAC and said so in the result it passed on.
        Assert.Equal("c2:11:22:33:44:55", result.Interfaces[1].Mac);
        Assert.Equal([new CniIp("10.244.5.2/24", "10.244.5.1", 1)], result.Ips);
        Assert.Contains("c2:11:22:33:44:55", sb.Ip(podNs, "link", "show", "dev", "eth0").Stdout);
        Assert.Equal("1", ProcessRunner.Instance.Run("ip", ["netns", "exec", podNs, "cat", "/proc/sys/net/ipv4/conf/eth0/arp_notify"]).Stdout.Trim());
        // bandwidth shaped the host veth (ingress) and an ifb device (egress).
        Assert.Contains("tbf", ProcessRunner.Instance.Run("tc", ["-n", node, "qdisc", "show", "dev", veth]).Stdout);
        Assert.Contains("ifb", sb.Ip(node, "-d", "link", "show", "type", "ifb").Stdout);
        Assert.NotNull(rt.CachedResult(list, "ctr-chain", "eth0"));

        var check = rt.Check(list, inv);
        Assert.True(check.Ok, check.Error?.ToString() + " from " + check.FailedPlugin);

        var del = rt.Del(list, inv);
        Assert.True(del.Ok, del.Error?.ToString() + " from " + del.FailedPlugin);
        Assert.True(rt.Del(list, inv).Ok);
        Assert.DoesNotContain("ifb", sb.Ip(node, "-d", "link", "show", "type", "ifb").Stdout);
        Assert.False(sb.Ip(node, "link", "show", "dev", veth).Ok);
        Assert.Null(rt.CachedResult(list, "ctr-chain", "eth0"));
        Assert.False(File.Exists(Path.Combine(sb.DataDir, "chain", "10.244.5.2")));
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Failed_add_in_the_chain_is_torn_down_and_leaks_nothing()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var podNs = sb.AddNetns("pod");
        var rt = sb.Runtime(node);
        var list = ConfList.Parse($$$"""
            {"cniVersion":"1.0.0","name":"failing","plugins":[
              {"type":"podwire-cni","ipam":{"type":"podwire-ipam","subnet":"10.244.6.0/24","dataDir":"{{{sb.DataDir}}}"}},
              {"type":"tuning","sysctl":{"net.no.such.key":"1"}}]}
            """);
        var inv = new CniInvocation("ctr-fail", Sandbox.PathOf(podNs), "eth0");
        var add = rt.Add(list, inv);
        Assert.False(add.Ok);
        Assert.Equal("tuning", add.FailedPlugin);
        Assert.False(sb.Ip(node, "link", "show", "dev", Names.HostVeth("ctr-fail", "eth0")).Ok);
        Assert.False(File.Exists(Path.Combine(sb.DataDir, "failing", "10.244.6.2")));
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Reference_bridge_and_host_local_for_comparison()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var a = sb.AddNetns("a");
        var b = sb.AddNetns("b");
        var rt = sb.Runtime(node);
        var list = ConfList.Parse($$$"""
            {"cniVersion":"1.0.0","name":"refnet","plugins":[
              {"type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":false,"mtu":1450,
               "ipam":{"type":"host-local","ranges":[[{"subnet":"10.244.7.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}],"dataDir":"{{{sb.DataDir}}}"}}]}
            """);
        var ia = new CniInvocation("ref-a", Sandbox.PathOf(a), "eth0");
        var ib = new CniInvocation("ref-b", Sandbox.PathOf(b), "eth0");
        var ra = rt.Add(list, ia);
        var rb = rt.Add(list, ib);
        Assert.True(ra.Ok, ra.Error?.ToString());
        Assert.True(rb.Ok, rb.Error?.ToString());
        var resA = CniResult.Parse(ra.Result!);
        var resB = CniResult.Parse(rb.Result!);
        // The same contract our plugin meets: ips[0].interface is the sandboxed CNI_IFNAME.
        Assert.Equal("eth0", resA.Interfaces[resA.Ips[0].Interface!.Value].Name);
        Assert.Equal(ia.Netns, resA.Interfaces[resA.Ips[0].Interface!.Value].Sandbox);
        Assert.Equal("10.244.7.2/24", resA.Ips[0].Address);
        Assert.Equal("10.244.7.3/24", resB.Ips[0].Address);
        var ipB = resB.Ips[0].Address.Split('/')[0];
        Assert.True(ProcessRunner.Instance.Run("ip", ["netns", "exec", a, "ping", "-c", "1", "-W", "2", ipB]).Ok);
        Assert.True(rt.Check(list, ia).Ok);
        Assert.True(rt.Del(list, ia).Ok);
        Assert.True(rt.Del(list, ib).Ok);
        Assert.True(rt.Del(list, ib).Ok);
    }

    [RootFact("creates network namespaces, veths and bridges")]
    public void Runtime_version_and_status_of_plugins()
    {
        using var sb = new Sandbox();
        var node = sb.AddNetns("node");
        var rt = sb.Runtime(node);
        var v = rt.Version("podwire-ipam", "1.1.0");
        Assert.True(v.Ok);
        Assert.Contains("1.1.0", Json.Strings(v.Result!["supportedVersions"]));
        Assert.False(rt.Version("no-such-plugin").Ok);
        var list = ConfList.Parse($$$"""{"cniVersion":"1.1.0","name":"st","plugins":[{"type":"podwire-cni","ipam":{"type":"podwire-ipam","subnet":"10.244.8.0/24","dataDir":"{{{sb.DataDir}}}"}}]}""");
        Assert.True(rt.Status(list).Ok);
    }
}
