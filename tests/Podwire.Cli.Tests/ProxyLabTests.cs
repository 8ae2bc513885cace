using System.Diagnostics;
using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>
/// The service proxy in the real kernel, through ./podwire and ordinary clients (curl, python
/// sockets) in pod, node and underlay namespaces. One lab serves every test of the class (root
/// only); the fixture removes it and checks that nothing is left.
/// </summary>
[Collection("lab")]
public sealed class ProxyLabTests(ProxyLabTests.ProxyLab lab) : IClassFixture<ProxyLabTests.ProxyLab>
{
    private static bool IsRoot => Environment.IsPrivilegedProcess && OperatingSystem.IsLinux();

    public const string Manifests = """
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
        metadata: {name: a1, namespace: default, labels: {app: a, local: "yes"}}
        spec:
          nodeName: node-1
          containers: [{name: c, ports: [{containerPort: 8080, name: http}, {containerPort: 5353, protocol: UDP, name: dns}]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: a2, namespace: default, labels: {app: a}}
        spec:
          nodeName: node-2
          containers: [{name: c, ports: [{containerPort: 8080, name: http}, {containerPort: 5353, protocol: UDP, name: dns}]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client, namespace: default, labels: {app: client}}
        spec:
          nodeName: node-2
          containers: [{name: c, ports: [{containerPort: 9999}]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: default}
        spec:
          type: NodePort
          clusterIP: 10.96.100.10
          selector: {app: a}
          ports:
          - {name: http, port: 80, targetPort: http, nodePort: 30080}
          - {name: dns, port: 53, protocol: UDP, targetPort: dns}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: sticky, namespace: default}
        spec:
          clusterIP: 10.96.100.11
          selector: {app: a}
          sessionAffinity: ClientIP
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: empty, namespace: default}
        spec:
          clusterIP: 10.96.100.12
          selector: {app: nothing}
          ports: [{port: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: lb, namespace: default}
        spec:
          type: LoadBalancer
          clusterIP: 10.96.100.13
          loadBalancerIP: 172.18.255.10
          selector: {app: a}
          ports: [{port: 80, targetPort: 8080, nodePort: 30081}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: local, namespace: default}
        spec:
          type: LoadBalancer
          clusterIP: 10.96.100.14
          loadBalancerIP: 172.18.255.11
          externalTrafficPolicy: Local
          healthCheckNodePort: 32000
          selector: {app: a, local: "yes"}
          ports: [{port: 80, targetPort: 8080, nodePort: 30082}]
        """;

    public sealed class ProxyLab : IDisposable
    {
        public string Name { get; } = "t" + Guid.NewGuid().ToString("N")[..7];
        public bool Up { get; }

        public ProxyLab()
        {
            if (!IsRoot) return;
            var dir = Directory.CreateTempSubdirectory("pw-proxytest-");
            File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), Manifests);
            var up = Repo.Podwire("up", "-f", dir.FullName, "--cluster", Name);
            dir.Delete(true);
            if (up.ExitCode != 0) Repo.Podwire("down", "--cluster", Name); // a failed up still leaves nothing behind
            Assert.True(up.ExitCode == 0, $"up failed: {up.Stderr}");
            Up = true;
        }

        public Repo.Result Exec(string pod, params string[] cmd) => Repo.Podwire(["exec", pod, "--cluster", Name, "--", .. cmd]);

        /// <summary>Runs a command in one of the lab's own namespaces (node-…, underlay).</summary>
        public Repo.Result InNetns(string suffix, params string[] cmd) => Repo.Run("ip", ["netns", "exec", $"pw-{Name}-{suffix}", .. cmd]);

        public void Dispose()
        {
            if (!Up) return;
            Assert.Equal(0, Repo.Podwire("down", "--cluster", Name).ExitCode);
            Assert.Empty(Directory.GetFiles("/run/netns", $"pw-{Name}-*"));
            Assert.False(Directory.Exists($"/run/podwire/{Name}"), "state folder left behind");
        }
    }

    private List<string> Hostnames(string pod, string url, int n)
    {
        // One exec, n connections: each curl is a new connection with a new source port.
        var r = lab.Exec(pod, "sh", "-c", $"for i in $(seq 1 {n}); do curl -s -m 2 {url}; echo; done");
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Fact]
    public void ClusterIpSpreadsOverBothBackends()
    {
        if (!IsRoot) return;
        var names = Hostnames("default/client", "http://10.96.100.10/hostname", 20);
        Assert.Equal(20, names.Count);
        Assert.Equal(["a1", "a2"], names.Distinct().Order().ToArray());
    }

    [Fact]
    public void UdpServiceAnswers()
    {
        if (!IsRoot) return;
        var r = lab.Exec("default/client", "python3", "-c",
            "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(3);s.sendto(b'hostname',('10.96.100.10',53));print(s.recvfrom(100)[0].decode())");
        Assert.Contains(r.Stdout.Trim(), new[] { "a1", "a2" });
    }

    [Fact]
    public void NodePortAnswersFromAnotherNodeAndFromTheUnderlay()
    {
        if (!IsRoot) return;
        var fromNode = lab.InNetns("node-node-1", "curl", "-s", "-m", "3", "http://172.18.0.3:30080/hostname");
        Assert.Contains(fromNode.Stdout, new[] { "a1", "a2" });
        var fromUnderlay = lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.0.2:30080/hostname");
        Assert.Contains(fromUnderlay.Stdout, new[] { "a1", "a2" });
        // externalTrafficPolicy Cluster: the backend sees a node address, not the client's.
        var clientIp = lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.0.3:30080/clientip");
        Assert.DoesNotContain("172.18.0.1:", clientIp.Stdout);
        Assert.Matches(@"^\d+\.\d+\.\d+\.\d+:\d+$", clientIp.Stdout);
    }

    [Fact]
    public void LoadBalancerAddressIsReachableAcrossTheUnderlayAndPublished()
    {
        if (!IsRoot) return;
        var r = lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.255.10/hostname");
        Assert.Contains(r.Stdout, new[] { "a1", "a2" });
        var fromPod = lab.Exec("default/client", "curl", "-s", "-m", "3", "http://172.18.255.10/hostname");
        Assert.Contains(fromPod.Stdout, new[] { "a1", "a2" });
        var svc = Repo.Podwire("get", "svc", "lb", "-n", "default", "-o", "json", "--cluster", lab.Name);
        var ingress = JsonDocument.Parse(svc.Stdout).RootElement.GetProperty("status").GetProperty("loadBalancer").GetProperty("ingress");
        Assert.Equal("172.18.255.10", ingress[0].GetProperty("ip").GetString());
    }

    [Fact]
    public void ClientIpAffinitySticks()
    {
        if (!IsRoot) return;
        var names = Hostnames("default/client", "http://10.96.100.11/hostname", 12);
        Assert.Equal(12, names.Count);
        Assert.Single(names.Distinct());
    }

    [Fact]
    public void AStickyClientWhoseEndpointWentAwayIsServedByAnotherOne()
    {
        if (!IsRoot) return;
        string Shrink(string selector) => Manifests + $$$"""

            ---
            apiVersion: v1
            kind: Service
            metadata: {name: shrink, namespace: default}
            spec:
              clusterIP: 10.96.100.15
              selector: {{{selector}}}
              sessionAffinity: ClientIP
              sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
              ports: [{port: 80, targetPort: 8080}]
            """;
        var dir = Directory.CreateTempSubdirectory("pw-proxytest-");
        try
        {
            void Apply(string manifests)
            {
                File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), manifests);
                var apply = Repo.Podwire("apply", "-f", dir.FullName, "--cluster", lab.Name);
                Assert.True(apply.ExitCode == 0, apply.Stderr);
            }
            string Get() => lab.Exec("default/client", "curl", "-s", "-m", "2", "http://10.96.100.15/hostname").Stdout;
            Apply(Shrink("{app: a}"));
            var up = Stopwatch.StartNew();
            while (Get() is not ("a1" or "a2") && up.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(100);
            // The client is remembered on bucket 1 of 2 (written into the kernel's affinity map, so
            // the test does not depend on the draw)...
            var clientIp = lab.InNetns("pod-default.client", "ip", "-4", "-o", "addr", "show", "eth0").Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0];
            string element = $"{{ {clientIp} . 10.96.100.15 . tcp . 80 }}";
            lab.InNetns("node-node-2", "nft", "delete", "element", "ip", "podwire-proxy", "affinity", element);
            var seed = lab.InNetns("node-node-2", "nft", "add", "element", "ip", "podwire-proxy", "affinity", $"{{ {clientIp} . 10.96.100.15 . tcp . 80 timeout 60s : 1 }}");
            Assert.True(seed.ExitCode == 0, seed.Stderr);
            string sticky = Get();
            Assert.Equal(sticky, Get());
            // ...then the Service shrinks to one endpoint, so bucket 1 no longer exists. The client
            // is drawn again instead of its connection going on un-NATed to the ClusterIP.
            Apply(Shrink("{app: a, local: \"yes\"}"));
            var sw = Stopwatch.StartNew();
            while (!lab.InNetns("node-node-2", "nft", "list", "map", "ip", "podwire-proxy", "internal").Stdout.Contains("10.96.100.15 . tcp . 80 : goto lb-1-a60")
                   && sw.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(100);
            Assert.Equal("a1", Get());
            Assert.Equal("a1", Get());
        }
        finally
        {
            File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), Manifests);
            Repo.Podwire("apply", "-f", dir.FullName, "--cluster", lab.Name);
            dir.Delete(true);
        }
    }

    [Fact]
    public void ExternalTrafficPolicyLocalKeepsTheClientIpAndHealthChecksAnswer()
    {
        if (!IsRoot) return;
        // 172.18.255.11 is routed to node-1, the only node with a local endpoint (a1).
        var ip = lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.255.11/clientip");
        Assert.StartsWith("172.18.0.1:", ip.Stdout);
        var viaNodePort = lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.0.2:30082/hostname");
        Assert.Equal("a1", viaNodePort.Stdout);
        // node-2 has no local endpoint: external traffic is dropped (curl times out)...
        var dropped = lab.InNetns("underlay", "curl", "-s", "-m", "1", "http://172.18.0.3:30082/hostname");
        Assert.Equal(28, dropped.ExitCode);
        // ...but pods on node-2 still reach it (in-cluster clients get Cluster semantics).
        Assert.Equal("a1", lab.Exec("default/client", "curl", "-s", "-m", "3", "http://172.18.255.11/hostname").Stdout);

        var ok = lab.InNetns("underlay", "curl", "-s", "-m", "3", "-w", "\n%{http_code}", "http://172.18.0.2:32000/healthz");
        Assert.Equal("{\"service\":{\"namespace\":\"default\",\"name\":\"local\"},\"localEndpoints\":1,\"serviceProxyHealthy\":true}\n200", ok.Stdout);
        var none = lab.InNetns("underlay", "curl", "-s", "-m", "3", "-w", "\n%{http_code}", "http://172.18.0.3:32000/healthz");
        Assert.Equal("{\"service\":{\"namespace\":\"default\",\"name\":\"local\"},\"localEndpoints\":0,\"serviceProxyHealthy\":true}\n503", none.Stdout);
    }

    [Fact]
    public void AServiceWithoutEndpointsIsRefusedImmediately()
    {
        if (!IsRoot) return;
        var r = lab.Exec("default/client", "curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{time_total}", "http://10.96.100.12/");
        Assert.Equal(7, r.ExitCode);
        Assert.True(double.Parse(r.Stdout, System.Globalization.CultureInfo.InvariantCulture) < 0.5, $"took {r.Stdout} s");
    }

    [Fact]
    public void APodReachesItselfThroughItsService()
    {
        if (!IsRoot) return;
        var names = Hostnames("default/a1", "http://10.96.100.10/hostname", 16);
        Assert.Equal(16, names.Count); // every connection answered, the ones DNATed to a1 itself included
        Assert.Contains("a1", names);
    }
}
