using System.Text.Json.Nodes;
using Podwire.Cni;
using Podwire.Cni.Runtime;
using Podwire.Datapath;

namespace Podwire.Cni.Tests;

/// <summary>The CNI protocol surface, in-process: env validation, decoding, versions, error JSON.</summary>
public class ProtocolTests
{
    private static (JsonObject? Out, int Exit) Run(Dictionary<string, string> env, string stdin, string invokedAs = "/opt/cni/bin/podwire-cni")
    {
        // A runner that fails loudly: none of these cases may reach the kernel.
        var runner = new RecordingRunner((p, a, s) => new CommandResult(99, "", "kernel must not be touched"));
        var (stdout, code) = CniMain.Run(invokedAs, k => env.GetValueOrDefault(k), stdin, runner);
        Assert.Empty(runner.Calls);
        return (Json.TryParseObject(stdout), code);
    }

    private const string Conf = """{"cniVersion":"1.1.0","name":"k8s-pod-network","type":"podwire-cni","ipam":{"type":"host-local","subnet":"10.244.1.0/26"}}""";

    [Fact]
    public void Version_answers_in_the_requested_version_with_the_spec_list()
    {
        var (o, code) = Run(new() { ["CNI_COMMAND"] = "VERSION" }, """{"cniVersion":"0.4.0"}""");
        Assert.Equal(0, code);
        Assert.Equal("""{"cniVersion":"0.4.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}""", Json.Serialize(o!));
        var (o2, _) = Run(new() { ["CNI_COMMAND"] = "VERSION" }, "");
        Assert.Equal("1.1.0", Json.Str(o2, "cniVersion"));
    }

    [Theory]
    [InlineData("ADD", "", "CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME")]
    [InlineData("ADD", "CNI_CONTAINERID=c1", "CNI_NETNS,CNI_IFNAME")]
    [InlineData("CHECK", "CNI_CONTAINERID=c1;CNI_NETNS=/run/netns/x", "CNI_IFNAME")]
    [InlineData("DEL", "CNI_IFNAME=eth0", "CNI_CONTAINERID")]
    [InlineData("GC", "", "CNI_PATH")]
    public void Missing_env_is_code_4_naming_the_variables(string command, string present, string missing)
    {
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = command };
        foreach (var kv in present.Split(';', StringSplitOptions.RemoveEmptyEntries)) env[kv.Split('=')[0]] = kv.Split('=')[1];
        var (o, code) = Run(env, Conf);
        Assert.NotEqual(0, code);
        Assert.Equal(4, (int)o!["code"]!);
        Assert.Equal($"required env variables [{missing}] missing", Json.Str(o, "msg"));
        Assert.Equal("1.1.0", Json.Str(o, "cniVersion"));
        Assert.NotNull(o["details"]);
    }

    [Fact]
    public void Missing_command_and_bad_ids_are_code_4()
    {
        Assert.Equal(4, (int)Run(new(), Conf).Out!["code"]!);
        Assert.Equal(4, (int)Run(new() { ["CNI_COMMAND"] = "FROB" }, Conf).Out!["code"]!);
        var bad = new Dictionary<string, string> { ["CNI_COMMAND"] = "DEL", ["CNI_CONTAINERID"] = "-bad", ["CNI_IFNAME"] = "eth0" };
        Assert.Equal(4, (int)Run(bad, Conf).Out!["code"]!);
        var longIf = new Dictionary<string, string> { ["CNI_COMMAND"] = "DEL", ["CNI_CONTAINERID"] = "c1", ["CNI_IFNAME"] = "a-very-long-ifname" };
        Assert.Equal(4, (int)Run(longIf, Conf).Out!["code"]!);
    }

    private static readonly Dictionary<string, string> DelEnv = new() { ["CNI_COMMAND"] = "DEL", ["CNI_CONTAINERID"] = "c1", ["CNI_IFNAME"] = "eth0" };

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","type":"podwire-cni","mtu":"big","ipam":{"type":"podwire-ipam"}}""")]
    public void Undecodable_config_is_code_6(string stdin)
    {
        var (o, code) = Run(DelEnv, stdin);
        Assert.Equal(1, code);
        Assert.Equal(6, (int)o!["code"]!);
    }

    [Fact]
    public void Unsupported_version_is_code_1_and_invalid_config_is_code_7()
    {
        Assert.Equal(1, (int)Run(DelEnv, """{"cniVersion":"9.9.9","name":"n","type":"podwire-cni"}""").Out!["code"]!);
        Assert.Equal(7, (int)Run(DelEnv, """{"cniVersion":"1.1.0","name":"-bad","type":"podwire-cni"}""").Out!["code"]!);
        Assert.Equal(7, (int)Run(DelEnv, """{"cniVersion":"1.1.0","name":"n","type":"podwire-cni","ipam":{"subnet":"10.0.0.0/24"}}""").Out!["code"]!);
    }

    [Fact]
    public void IpMasq_true_is_code_2_naming_the_key_and_value()
    {
        var (o, _) = Run(DelEnv, """{"cniVersion":"1.1.0","name":"n","type":"podwire-cni","ipMasq":true,"ipam":{"type":"podwire-ipam","subnet":"10.0.0.0/24"}}""");
        Assert.Equal(2, (int)o!["code"]!);
        Assert.Contains("ipMasq=true", Json.Str(o, "msg"));
    }

    [Fact]
    public void Errors_answer_in_the_config_version()
    {
        var (o, _) = Run(new() { ["CNI_COMMAND"] = "ADD" }, """{"cniVersion":"0.4.0","name":"n","type":"podwire-cni"}""");
        Assert.Equal("0.4.0", Json.Str(o, "cniVersion"));
    }

    [Fact]
    public void Invoked_as_podwire_ipam_is_the_ipam_plugin()
    {
        Assert.True(CniMain.IsIpam("/opt/cni/bin/podwire-ipam"));
        Assert.False(CniMain.IsIpam("/opt/cni/bin/podwire-cni"));
        var dir = Directory.CreateTempSubdirectory("pw-cni-unit-");
        try
        {
            var conf = $$$"""{"cniVersion":"1.1.0","name":"n1","ipam":{"type":"podwire-ipam","subnet":"10.9.0.0/29","dataDir":"{{{dir.FullName}}}"}}""";
            var env = new Dictionary<string, string> { ["CNI_COMMAND"] = "ADD", ["CNI_CONTAINERID"] = "c1", ["CNI_NETNS"] = "/x", ["CNI_IFNAME"] = "eth0" };
            var (o, code) = Run(env, conf, "podwire-ipam");
            Assert.Equal(0, code);
            // An IPAM result has no interfaces and no ips[].interface.
            Assert.Equal("""{"cniVersion":"1.1.0","ips":[{"address":"10.9.0.2/29","gateway":"10.9.0.1"}]}""", Json.Serialize(o!));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Cni_args_parse_as_pairs()
    {
        var args = CniEnv.ParseArgs("IGNORE_UNKNOWN=1;IP=10.244.1.5;K8S_POD_NAME=web-0", out var problem);
        Assert.Null(problem);
        Assert.Equal(["IGNORE_UNKNOWN", "IP", "K8S_POD_NAME"], args.Select(a => a.Key));
        CniEnv.ParseArgs("novalue", out problem);
        Assert.NotNull(problem);
    }

    [Fact]
    public void Result_json_follows_the_version_shape()
    {
        var r = new CniResult([new CniInterface("vethx"), new CniInterface("eth0", "02:00:00:00:00:01", 1450, "/run/netns/p")],
            [new CniIp("10.244.1.2/24", "10.244.1.1", 1)], [new CniRoute("0.0.0.0/0", "10.244.1.1")], CniDns.Empty);
        Assert.Equal("""{"cniVersion":"1.1.0","interfaces":[{"name":"vethx"},{"name":"eth0","mac":"02:00:00:00:00:01","mtu":1450,"sandbox":"/run/netns/p"}],"ips":[{"address":"10.244.1.2/24","gateway":"10.244.1.1","interface":1}],"routes":[{"dst":"0.0.0.0/0","gw":"10.244.1.1"}]}""",
            Json.Serialize(r.ToJson("1.1.0")));
        Assert.Equal("4", Json.Str(r.ToJson("0.4.0")["ips"]![0]!.AsObject(), "version"));
        Assert.Equal("""{"cniVersion":"0.2.0","ip4":{"ip":"10.244.1.2/24","gateway":"10.244.1.1","routes":[{"dst":"0.0.0.0/0","gw":"10.244.1.1"}]}}""", Json.Serialize(r.ToJson("0.2.0")));
        Assert.Equal(r with { }, CniResult.Parse(r.ToJson("1.1.0")) with { Dns = CniDns.Empty }, ResultComparer.Instance);
    }

    [Fact]
    public void Names_fit_the_kernel_limit_and_are_stable()
    {
        var v = Names.HostVeth("0123456789abcdef0123456789abcdef", "eth0");
        Assert.Equal(15, v.Length);
        Assert.StartsWith("veth", v);
        Assert.Equal(v, Names.HostVeth("0123456789abcdef0123456789abcdef", "eth0"));
        Assert.NotEqual(v, Names.HostVeth("0123456789abcdef0123456789abcdef", "eth1"));
        var mac = Names.ContainerMac("c", "eth0");
        Assert.Equal(2, Convert.ToByte(mac[..2], 16) & 0x03);
    }

    [Fact]
    public void Request_config_adds_version_name_prevResult_and_only_declared_capabilities()
    {
        var list = ConfList.Parse("""
            {"cniVersion":"1.0.0","cniVersions":["0.4.0","1.1.0","9.0.0"],"name":"net","plugins":[
              {"type":"podwire-cni","custom":{"keep":[1,2]},"ipam":{"type":"podwire-ipam","subnet":"10.1.0.0/24"}},
              {"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false}}]}
            """);
        Assert.Equal("1.1.0", list.CniVersion);
        var rc = new JsonObject { ["portMappings"] = new JsonArray((JsonNode)new JsonObject { ["hostPort"] = 8080 }), ["bandwidth"] = new JsonObject() };
        var first = CniRuntime.RequestConfig(list, 0, null, rc);
        Assert.Equal("""{"type":"podwire-cni","custom":{"keep":[1,2]},"ipam":{"type":"podwire-ipam","subnet":"10.1.0.0/24"},"cniVersion":"1.1.0","name":"net"}""", Json.Serialize(first));
        var second = CniRuntime.RequestConfig(list, 1, new JsonObject { ["cniVersion"] = "1.1.0" }, rc);
        Assert.Equal("""{"type":"portmap","cniVersion":"1.1.0","name":"net","runtimeConfig":{"portMappings":[{"hostPort":8080}]},"prevResult":{"cniVersion":"1.1.0"}}""", Json.Serialize(second));
    }
}

internal sealed class ResultComparer : IEqualityComparer<CniResult>
{
    public static readonly ResultComparer Instance = new();
    public bool Equals(CniResult? a, CniResult? b) =>
        a is not null && b is not null && a.Interfaces.SequenceEqual(b.Interfaces) && a.Ips.SequenceEqual(b.Ips) && a.Routes.SequenceEqual(b.Routes);
    public int GetHashCode(CniResult r) => r.Ips.Count;
}
