using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>
/// The lab against the real kernel, driven through ./podwire as a user would (root only). Each
/// test uses its own cluster name and removes its lab even when it fails; the fixture checks
/// that nothing with the test's prefix is left behind.
/// </summary>
[Collection("lab")]
public sealed class LabTests
{
    private static string NewCluster() => TestLab.NewCluster();

    private static void AssertNothingLeft(string cluster) => TestLab.AssertNothingLeft(cluster);

    private static IEnumerable<(string Key, JsonElement Pod)> Keyed(JsonElement pods) =>
        pods.EnumerateArray().Select(p => ($"{p.GetProperty("metadata").GetProperty("namespace").GetString()}/{p.GetProperty("metadata").GetProperty("name").GetString()}", p));

    private static string PodIp(JsonElement pods, string prefix) =>
        Keyed(pods).First(k => k.Key.StartsWith(prefix)).Pod.GetProperty("status").GetProperty("podIP").GetString()!;

    private static string PodName(JsonElement pods, string prefix) => Keyed(pods).First(k => k.Key.StartsWith(prefix)).Key;

    private const string TwoNodes = """
        apiVersion: v1
        kind: Node
        metadata: {name: node-1}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: node-2}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: a1, namespace: default, labels: {app: a}}
        spec:
          nodeName: node-1
          containers: [{name: c, ports: [{containerPort: 8080, name: http}, {containerPort: 5353, protocol: UDP}]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: a2, namespace: default, labels: {app: a}}
        spec:
          nodeName: node-1
          containers: [{name: c, ports: [{containerPort: 8080, name: http}, {containerPort: 5353, protocol: UDP}]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b1, namespace: default, labels: {app: b}}
        spec:
          nodeName: node-2
          containers: [{name: c, ports: [{containerPort: 8080, name: http}, {containerPort: 5353, protocol: UDP}]}]
        """;

    private static string WriteTemp(string yaml)
    {
        var dir = Directory.CreateTempSubdirectory("pw-labtest-");
        var f = Path.Combine(dir.FullName, "cluster.yaml");
        File.WriteAllText(f, yaml);
        return f;
    }

    [RootTheory]
    [InlineData("flannel-vxlan", 1450, 65536)]
    [InlineData("flannel-host-gw", 1500, 196608)]
    public void PodsTalkTcpAndUdpOnOneNodeAndAcrossNodes(string backend, int mtu, int gso)
    {
        using var lab = new TestLab(WriteTemp(TwoNodes), "--backend", backend);
        var pods = lab.Pods();
        string a2 = PodIp(pods, "default/a2"), b1 = PodIp(pods, "default/b1");

        var same = lab.Exec("default/a1", "curl", "-s", "-m", "3", $"http://{a2}:8080/hostname");
        Assert.Equal("a2", same.Stdout);
        var cross = lab.Exec("default/a1", "curl", "-s", "-m", "3", $"http://{b1}:8080/hostname");
        Assert.Equal("b1", cross.Stdout);
        // The server sees the client's pod IP: no NAT inside the pod network.
        var clientIp = lab.Exec("default/b1", "curl", "-s", "-m", "3", $"http://{a2}:8080/clientip");
        Assert.StartsWith(PodIp(pods, "default/b1") + ":", clientIp.Stdout);

        var udp = lab.Exec("default/a1", "python3", "-c",
            $"import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(3);s.sendto(b'hostname',('{b1}',5353));print(s.recvfrom(100)[0].decode())");
        Assert.Equal("b1", udp.Stdout.Trim());

        var link = lab.Exec("default/a1", "cat", "/sys/class/net/eth0/mtu");
        Assert.Equal(mtu.ToString(), link.Stdout.Trim());
        // A full-size packet crosses nodes without fragmentation (DF set): the MTU is right end to end.
        var ping = lab.Exec("default/a1", "ping", "-c", "1", "-W", "2", "-M", "do", "-s", (mtu - 28).ToString(), b1);
        Assert.True(ping.ExitCode == 0, ping.Stdout + ping.Stderr);
        // host-gw runs BIG TCP on every link, the pod's and the underlay's alike; VXLAN cannot.
        Assert.Contains($"gso_max_size {gso} ", lab.Exec("default/a1", "ip", "-d", "link", "show", "eth0").Stdout);
        Assert.Contains($"gso_max_size {gso} ", lab.InNetns("node-node-1", "ip", "-d", "link", "show", "eth0").Stdout);

        var a1 = pods.EnumerateArray().First(p => p.GetProperty("metadata").GetProperty("name").GetString() == "a1");
        Assert.Equal($"pw-{lab.Name}-pod-default.a1", a1.GetProperty("metadata").GetProperty("annotations").GetProperty("podwire.io/netns").GetString());
        var nodes = JsonDocument.Parse(PodwireCli.Run("get", "nodes", "-o", "json", "--cluster", lab.Name).Stdout).RootElement.GetProperty("items");
        Assert.Equal("172.18.0.2", nodes[0].GetProperty("status").GetProperty("addresses")[0].GetProperty("address").GetString());
        var hosts = File.ReadAllText($"/etc/netns/pw-{lab.Name}-pod-default.a1/hosts");
        Assert.Contains("a1", hosts);
    }

    [RootFact]
    public void ApplyAddsAndRemovesPodsAndStatusReports()
    {
        using var lab = new TestLab(WriteTemp(TwoNodes));
        var changed = TwoNodes.Replace("name: a2,", "name: a3,");
        var apply = PodwireCli.Run("apply", "-f", WriteTemp(changed), "--cluster", lab.Name);
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Contains("1 pods added, 1 removed", apply.Stdout);
        Assert.False(File.Exists($"/run/netns/pw-{lab.Name}-pod-default.a2"));
        var pods = lab.Pods();
        var a3 = PodIp(pods, "default/a3");
        Assert.Equal("a3", lab.Exec("default/b1", "curl", "-s", "-m", "3", $"http://{a3}:8080/hostname").Stdout);

        // A pod sorting before every other one, on a1's node: nobody else moves (a running
        // cluster never renumbers pods), coredns included, and every pod keeps its resolv.conf.
        var before = Keyed(lab.Pods()).ToDictionary(k => k.Key, k => k.Pod.GetProperty("status").GetProperty("podIP").GetString());
        var grown = changed + "\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a0, namespace: default, labels: {app: a}}\nspec:\n  nodeName: node-1\n  containers: [{name: c, ports: [{containerPort: 8080}]}]\n";
        var add = PodwireCli.Run("apply", "-f", WriteTemp(grown), "--cluster", lab.Name);
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.Contains("1 pods added, 0 removed", add.Stdout);
        var after = Keyed(lab.Pods()).ToDictionary(k => k.Key, k => k.Pod.GetProperty("status").GetProperty("podIP").GetString());
        foreach (var (key, ip) in before) Assert.Equal(ip, after[key]);
        Assert.DoesNotContain(after["default/a0"], before.Values);
        // A changed pod (a new port) is recreated under the same name: its files are written again.
        var ported = grown.Replace("nodeName: node-2\n  containers: [{name: c, ports: [{containerPort: 8080, name: http}",
            "nodeName: node-2\n  containers: [{name: c, ports: [{containerPort: 9090}, {containerPort: 8080, name: http}");
        Assert.NotEqual(grown, ported);
        var port = PodwireCli.Run("apply", "-f", WriteTemp(ported), "--cluster", lab.Name);
        Assert.True(port.ExitCode == 0, port.Stderr);
        Assert.Contains("1 pods added, 1 removed", port.Stdout);
        foreach (var key in after.Keys)
            Assert.True(File.Exists($"/etc/netns/pw-{lab.Name}-pod-{key.Replace('/', '.')}/resolv.conf"), $"{key} has no resolv.conf");
        Assert.Contains("search default.svc.cluster.local", lab.Exec("default/b1", "cat", "/etc/resolv.conf").Stdout);

        var bad = PodwireCli.Run("apply", "-f", WriteTemp("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 0}]\n"), "--cluster", lab.Name);
        Assert.Equal(2, bad.ExitCode);
        // The daemon validated it: the problem names the user's file, object and field, not the staging folder.
        Assert.Contains("cluster.yaml", bad.Stderr);
        Assert.Contains("spec.ports[0].port", bad.Stderr);
        Assert.DoesNotContain("manifests.new", bad.Stderr);
        // The four pods, plus the lab's add-ons: two coredns pods and the ingress controller.
        Assert.Equal(4, Keyed(lab.Pods()).Count(k => k.Key.StartsWith("default/", StringComparison.Ordinal)));
        Assert.Equal(7, lab.Pods().GetArrayLength());

        var status = PodwireCli.Run("status", "--cluster", lab.Name, "-o", "json");
        var s = JsonDocument.Parse(status.Stdout).RootElement;
        Assert.Equal("ready", s.GetProperty("phase").GetString());
        Assert.Equal(7, s.GetProperty("pods").GetInt32());
    }

    [RootFact]
    public void DownCleansUpAfterAKilledDaemon()
    {
        var name = NewCluster();
        var up = PodwireCli.Run("up", "-f", WriteTemp(TwoNodes), "--cluster", name);
        Assert.True(up.ExitCode == 0, up.Stderr);
        try
        {
            int pid = int.Parse(File.ReadAllText($"/run/podwire/{name}/daemon.pid"));
            using (var p = System.Diagnostics.Process.GetProcessById(pid)) { p.Kill(); p.WaitForExit(5000); }
            var status = PodwireCli.Run("status", "--cluster", name);
            Assert.Equal(1, status.ExitCode);
            Assert.Contains("its daemon is not running", status.Stderr);
        }
        finally
        {
            var down = PodwireCli.Run("down", "--cluster", name);
            Assert.Equal(0, down.ExitCode);
        }
        AssertNothingLeft(name);
    }

    [RootFact]
    public void ExamplesComeUpWithTheReferencePluginsToo()
    {
        using var lab = new TestLab(Repo.PathOf("examples"), "--cni", "reference");
        var pods = lab.Pods();
        var web = PodName(pods, "shop/web-");
        var catalogIp = PodIp(pods, "shop/catalog-");
        var r = lab.Exec(web, "curl", "-s", "-m", "3", $"http://{catalogIp}:8081/hostname");
        Assert.StartsWith("catalog-", r.Stdout);
    }

    [RootFact]
    public void DemoBringsTheExampleUpAndLeavesItRunning()
    {
        try
        {
            var r = PodwireCli.Run("demo");
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("lab \"demo\" is up", r.Stdout);
            Assert.Contains(" 0 mismatch(es) with the analyzer", r.Stdout);
            var status = PodwireCli.Run("status", "--cluster", "demo", "-o", "json");
            Assert.Equal("ready", JsonDocument.Parse(status.Stdout).RootElement.GetProperty("phase").GetString());
            var again = PodwireCli.Run("demo");
            Assert.Contains("already running", again.Stdout);
        }
        finally
        {
            Assert.Equal(0, PodwireCli.Run("down", "--cluster", "demo").ExitCode);
        }
        AssertNothingLeft("demo");
    }

    [RootFact]
    public void FlannelNetConfChoosesNetworkAndBackend()
    {
        var conf = Path.Combine(Path.GetDirectoryName(WriteTemp(TwoNodes))!, "net-conf.json");
        File.WriteAllText(conf, """{"Network": "10.200.0.0/16", "SubnetLen": 24, "Backend": {"Type": "host-gw"}}""");
        using var lab = new TestLab(WriteTemp(TwoNodes), "--net-conf", conf);
        var pods = lab.Pods();
        var b1 = PodIp(pods, "default/b1");
        Assert.StartsWith("10.200.", b1);
        Assert.Equal("b1", lab.Exec("default/a1", "curl", "-s", "-m", "3", $"http://{b1}:8080/hostname").Stdout);
        var routes = PodwireCli.Run("status", "--cluster", lab.Name, "-o", "json");
        Assert.Equal("flannel-host-gw", JsonDocument.Parse(routes.Stdout).RootElement.GetProperty("backend").GetString());
    }

    [RootFact]
    public void ContainerCommandsRunInThePodNamespaceAndStopWithTheLab()
    {
        var marker = "/tmp/pw-cmd-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(marker);
        var yaml = TwoNodes + $$"""

            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: py, namespace: default}
            spec:
              nodeName: node-2
              containers: [{name: c, command: [python3, -m, http.server, "9000", --directory, "{{marker}}"], ports: [{containerPort: 9000}]}]
            """;
        string name;
        using (var lab = new TestLab(WriteTemp(yaml)))
        {
            name = lab.Name;
            var ip = PodIp(lab.Pods(), "default/py");
            string? body = null;
            for (int i = 0; i < 30 && string.IsNullOrEmpty(body); i++)
            {
                body = lab.Exec("default/a1", "curl", "-s", "-m", "2", $"http://{ip}:9000/").Stdout;
                if (string.IsNullOrEmpty(body)) Thread.Sleep(200);
            }
            Assert.Contains("Directory listing", body);
        }
        Assert.DoesNotContain(Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)), d =>
        {
            try { return File.ReadAllText(Path.Combine(d, "cmdline")).Contains(marker); }
            catch (IOException) { return false; }
        });
        Directory.Delete(marker);
    }

    [RootFact]
    public void TheHostNetworkIsUntouched()
    {
        static string Host(string prog, params string[] args) => Programs.Run(prog, args).Stdout;
        // Only this test's own objects may differ; other labs (other tests) may come and go meanwhile.
        static string Links() => string.Join("\n", Host("ip", "-o", "link", "show").Split('\n').Select(l => l.Split(':').Skip(1).FirstOrDefault()?.Trim()).Where(n => n is not null).Order());
        var linksBefore = Links();
        var nftBefore = Host("nft", "list", "ruleset");
        var routesBefore = Host("ip", "route", "show");
        using (var lab = new TestLab(WriteTemp(TwoNodes)))
        {
            Assert.Equal(linksBefore, Links());
            Assert.Equal(nftBefore, Host("nft", "list", "ruleset"));
            Assert.Equal(routesBefore, Host("ip", "route", "show"));
        }
        Assert.Equal(linksBefore, Links());
    }

    [RootFact]
    public void TwoLabsRunSideBySideWithTheSameAddresses()
    {
        using var one = new TestLab(WriteTemp(TwoNodes));
        using var two = new TestLab(WriteTemp(TwoNodes), "--backend", "flannel-host-gw");
        var ip = PodIp(one.Pods(), "default/b1");
        Assert.Equal(ip, PodIp(two.Pods(), "default/b1"));
        Assert.Equal("b1", one.Exec("default/a1", "curl", "-s", "-m", "3", $"http://{ip}:8080/hostname").Stdout);
        Assert.Equal("b1", two.Exec("default/a1", "curl", "-s", "-m", "3", $"http://{ip}:8080/hostname").Stdout);
        // Each sees only its own lab: no route from one lab's pods to the other's.
        Assert.Equal(2, PodwireCli.Run("status").ExitCode);
    }

    [RootFact]
    public void PodsWithGivenAddressesComeUpOnTheirNodesOrAreRefusedClearly()
    {
        var e2e = Repo.PathOf("testdata", "policy", "e2e", "cluster.yaml");
        var name = NewCluster();
        // Two nodes chosen explicitly cannot hold three subnets of given addresses: refused, nothing built.
        var refused = PodwireCli.Run("up", "-f", e2e, "--cluster", name, "--nodes", "2");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("outside the pod subnet", refused.Stderr);
        AssertNothingLeft(name);
        // Left to itself the lab generates a node per subnet the addresses live in.
        using var lab = new TestLab(e2e);
        Assert.Equal(3, JsonDocument.Parse(PodwireCli.Run("get", "nodes", "-o", "json", "--cluster", lab.Name).Stdout).RootElement.GetProperty("items").GetArrayLength());
        var pods = lab.Pods();
        var za = PodIp(pods, "z/a");
        Assert.Equal("a", lab.Exec("x/a", "curl", "-s", "-m", "3", $"http://{za}:80/hostname").Stdout);
    }

    [RootFact]
    public async Task ExamplesWorkByNameThroughServicesUnderTheirPolicies()
    {
        using var lab = new TestLab(Repo.PathOf("examples"));
        var web = PodName(lab.Pods(), "shop/web-");
        // Cluster DNS through the pod's resolv.conf search path, even under default-deny egress.
        var dns = lab.Exec(web, "getent", "hosts", "catalog");
        Assert.Contains("catalog.shop.svc.cluster.local", dns.Stdout);
        // The Service VIP is DNATed to a catalog pod, which the web → APIs policies allow.
        Assert.StartsWith("catalog-", lab.Exec(web, "curl", "-s", "-m", "3", "http://catalog/hostname").Stdout);
        // web may not reach the cache (only the APIs may): dropped, so curl times out.
        var denied = lab.Exec(web, "curl", "-s", "-m", "2", "http://redis.data:6379/");
        Assert.Equal(28, denied.ExitCode);

        // port-forward puts the Service on the host's loopback (and only there).
        int port = 20000 + Random.Shared.Next(20000);
        using (lab.PortForward("shop/web", $"{port}:80"))
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            Assert.StartsWith("web-", await http.GetStringAsync($"http://127.0.0.1:{port}/hostname"));
        }
    }

    [RootFact]
    public void InvalidManifestsBringNothingUp()
    {
        var name = NewCluster();
        var r = PodwireCli.Run("up", "-f", WriteTemp("apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec: {containers: [{name: c}]}\n"), "--cluster", name);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("metadata.name", r.Stderr);
        AssertNothingLeft(name);
    }
}
