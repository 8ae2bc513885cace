using System.Text.Json.Nodes;
using Podwire.Cni;
using Podwire.Cni.Ipam;

namespace Podwire.Cni.Tests;

/// <summary>podwire-ipam against a real store in a temp dir (no root needed).</summary>
public sealed class IpamTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("pw-cni-ipam-");

    public void Dispose() => _dir.Delete(true);

    private JsonObject Conf(string subnet = "10.244.1.0/28", string extra = "") =>
        Json.TryParseObject($$$"""{"cniVersion":"1.1.0","name":"net1","ipam":{"type":"podwire-ipam","subnet":"{{{subnet}}}","dataDir":"{{{_dir.FullName}}}"{{{extra}}}}}""")!;

    private static CniEnv Env(string command, string id, string ifName = "eth0", string args = "") =>
        new(command, id, "/run/netns/x", ifName, CniEnv.ParseArgs(args, out _), []);

    private string? Add(string id, string ifName = "eth0", string args = "", JsonObject? conf = null)
    {
        var o = PodwireIpam.Execute(Env("ADD", id, ifName, args), conf ?? Conf());
        return o.Ok ? CniResult.Parse(o.Result!).Ips[0].Address : null;
    }

    private string StoreDir => Path.Combine(_dir.FullName, "net1");

    [Fact]
    public void Allocates_from_the_first_host_skipping_the_gateway_and_stores_host_local_files()
    {
        Assert.Equal("10.244.1.2/28", Add("c1"));
        Assert.Equal("10.244.1.3/28", Add("c2"));
        Assert.Equal("c1\neth0", File.ReadAllText(Path.Combine(StoreDir, "10.244.1.2")));
        // The same attachment asking again keeps its address.
        Assert.Equal("10.244.1.2/28", Add("c1"));
    }

    [Fact]
    public void Range_exhaustion_is_code_100_and_broadcast_is_never_given()
    {
        var got = new List<string?>();
        for (int i = 0; i < 13; i++) got.Add(Add("c" + i));
        Assert.Equal(13, got.Distinct().Count());
        Assert.DoesNotContain("10.244.1.15/28", got);
        Assert.DoesNotContain("10.244.1.1/28", got);
        var o = PodwireIpam.Execute(Env("ADD", "c99"), Conf());
        Assert.Equal(CniCodes.NoFreeAddress, o.Error!.Code);
    }

    [Fact]
    public void Requested_ip_from_cni_args_args_and_runtime_config()
    {
        Assert.Equal("10.244.1.5/28", Add("c1", args: "IGNORE_UNKNOWN=1;IP=10.244.1.5"));
        var viaArgs = Conf(extra: "");
        viaArgs["args"] = new JsonObject { ["cni"] = new JsonObject { ["ips"] = new JsonArray((JsonNode)JsonValue.Create("10.244.1.7/28")) } };
        Assert.Equal("10.244.1.7/28", Add("c2", conf: viaArgs));
        var viaRc = Conf();
        viaRc["runtimeConfig"] = new JsonObject { ["ips"] = new JsonArray((JsonNode)JsonValue.Create("10.244.1.9")) };
        Assert.Equal("10.244.1.9/28", Add("c3", conf: viaRc));
        // Taken by someone else, or outside the range: code 101.
        Assert.Equal(CniCodes.AddressUnavailable, PodwireIpam.Execute(Env("ADD", "c4", args: "IP=10.244.1.5"), Conf()).Error!.Code);
        Assert.Equal(CniCodes.AddressUnavailable, PodwireIpam.Execute(Env("ADD", "c4", args: "IP=10.244.2.5"), Conf()).Error!.Code);
    }

    [Fact]
    public void Del_releases_by_attachment_and_is_idempotent_and_check_follows()
    {
        Add("c1");
        Add("c1", "net1");
        Assert.True(PodwireIpam.Execute(Env("CHECK", "c1"), Conf()).Ok);
        Assert.True(PodwireIpam.Execute(Env("DEL", "c1"), Conf()).Ok);
        Assert.True(PodwireIpam.Execute(Env("DEL", "c1"), Conf()).Ok);
        Assert.Equal(CniCodes.CheckFailed, PodwireIpam.Execute(Env("CHECK", "c1"), Conf()).Error!.Code);
        Assert.True(PodwireIpam.Execute(Env("CHECK", "c1", "net1"), Conf()).Ok);
        Assert.Equal(["10.244.1.3"], new IpamStore(StoreDir).Leases().Select(l => l.Address.ToString()));
    }

    [Fact]
    public void Gc_releases_every_lease_not_in_the_valid_attachments()
    {
        Add("keep");
        Add("leaked1");
        Add("leaked2", "net1");
        var conf = Conf();
        conf["cni.dev/attachments"] = new JsonArray((JsonNode)new JsonObject { ["containerID"] = "keep", ["ifname"] = "eth0" });
        Assert.True(PodwireIpam.Execute(Env("GC", ""), conf).Ok);
        var left = new IpamStore(StoreDir).Leases();
        Assert.Equal([("keep", "eth0")], left.Select(l => (l.ContainerId, l.IfName)));
    }

    [Fact]
    public void Parallel_adds_never_share_an_address()
    {
        var conf = Conf("10.244.0.0/24");
        var results = new string?[40];
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            results[i] = PodwireIpam.Execute(Env("ADD", "c" + i), (JsonObject)conf.DeepClone()).Result is { } r ? CniResult.Parse(r).Ips[0].Address : null);
        Assert.All(results, Assert.NotNull);
        Assert.Equal(40, results.Distinct().Count());
    }

    [Fact]
    public void Bad_ipam_config_is_code_7()
    {
        Assert.Equal(7, PodwireIpam.Execute(Env("ADD", "c1"), Conf("10.244.1.0")).Error!.Code);
        Assert.Equal(7, PodwireIpam.Execute(Env("ADD", "c1"), Conf(extra: ",\"rangeStart\":\"10.9.9.9\"")).Error!.Code);
    }
}
