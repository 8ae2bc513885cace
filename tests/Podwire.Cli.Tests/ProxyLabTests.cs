using System.Diagnostics;
using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>
/// The service proxy in the real kernel, through ./podwire and ordinary clients (curl, python
/// sockets) in pod, node and underlay namespaces. One lab serves every test of the class (root
/// only); the fixture removes it and checks that nothing is left.
/// </summary>
[Collection("lab")]
public sealed partial class ProxyLabTests(ProxyLabTests.ProxyLab lab) : IClassFixture<ProxyLabTests.ProxyLab>
{
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
        metadata: {name: a2, namespace: default, labels: {app: a, side: "2"}}
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
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client1, namespace: default, labels: {app: client}}
        spec:
          nodeName: node-1
          containers: [{name: c}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: t1, namespace: default, labels: {app: t, drain: "yes"}, deletionTimestamp: "2026-01-01T00:00:00Z"}
        spec:
          nodeName: node-1
          containers: [{name: c, ports: [{containerPort: 8080}]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: t2, namespace: default, labels: {app: t}}
        spec:
          nodeName: node-2
          containers: [{name: c, ports: [{containerPort: 8080}]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: itp, namespace: default}
        spec:
          clusterIP: 10.96.100.20
          internalTrafficPolicy: Local
          selector: {app: a}
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: itp-one, namespace: default}
        spec:
          clusterIP: 10.96.100.21
          internalTrafficPolicy: Local
          selector: {app: a, local: "yes"}
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: term, namespace: default}
        spec:
          clusterIP: 10.96.100.22
          selector: {app: t}
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: drain, namespace: default}
        spec:
          clusterIP: 10.96.100.23
          selector: {app: t, drain: "yes"}
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ext, namespace: default}
        spec:
          clusterIP: 10.96.100.24
          externalIPs: [172.18.255.20]
          selector: {app: a}
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: brief, namespace: default}
        spec:
          clusterIP: 10.96.100.25
          selector: {app: a}
          sessionAffinity: ClientIP
          sessionAffinityConfig: {clientIP: {timeoutSeconds: 2}}
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: headless, namespace: default}
        spec:
          clusterIP: None
          selector: {app: a}
          ports: [{port: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ranged, namespace: default}
        spec:
          type: LoadBalancer
          clusterIP: 10.96.100.26
          loadBalancerIP: 172.18.255.12
          loadBalancerSourceRanges: [172.18.0.1/32]
          selector: {app: a}
          ports: [{port: 80, targetPort: 8080, nodePort: 30083}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: udpflip, namespace: default}
        spec:
          clusterIP: 10.96.100.27
          selector: {app: a, local: "yes"}
          ports: [{port: 53, protocol: UDP, targetPort: dns}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: udpnone, namespace: default}
        spec:
          clusterIP: 10.96.100.28
          selector: {app: a, side: "none"}
          ports: [{port: 53, protocol: UDP, targetPort: dns}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: alias, namespace: default}
        spec:
          type: ExternalName
          externalName: web.default.svc.cluster.local
        """;

    /// <summary>The class's lab, brought up by the first test that runs (none when they are all skipped).</summary>
    public sealed class ProxyLab : SharedLab
    {
        protected override string Manifests => ProxyLabTests.Manifests;
    }

    private List<string> Hostnames(string pod, string url, int n)
    {
        // One exec, n connections: each curl is a new connection with a new source port.
        var r = lab.Exec(pod, "sh", "-c", $"for i in $(seq 1 {n}); do curl -s -m 2 {url}; echo; done");
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private string PodIp(string pod) =>
        lab.InNetns($"pod-default.{pod}", "ip", "-4", "-o", "addr", "show", "eth0").Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0];

    private string Nft(string node, params string[] args) => lab.InNetns($"node-{node}", ["nft", .. args]).Stdout;

    [RootFact]
    public void InternalTrafficPolicyLocalKeepsClientsOnTheirNode()
    {
        // itp has an endpoint on each node (a1 on node-1, a2 on node-2): each client gets its own node's.
        Assert.Equal(Enumerable.Repeat("a2", 10), Hostnames("default/client", "http://10.96.100.20/hostname", 10));
        Assert.Equal(Enumerable.Repeat("a1", 10), Hostnames("default/client1", "http://10.96.100.20/hostname", 10));
        // itp-one has its only endpoint on node-1: dropped from node-2 (curl times out, nothing refuses).
        Assert.Equal(28, lab.Exec("default/client", "curl", "-s", "-m", "1", "http://10.96.100.21/hostname").ExitCode);
        Assert.Equal("a1", lab.Exec("default/client1", "curl", "-s", "-m", "3", "http://10.96.100.21/hostname").Stdout);
    }

    [RootFact]
    public void TerminatingEndpointsServeOnlyWhenNoEndpointIsReady()
    {
        // t1 has a deletionTimestamp (terminating, still serving), t2 is ready: only t2 gets traffic.
        Assert.Equal(Enumerable.Repeat("t2", 12), Hostnames("default/client", "http://10.96.100.22/hostname", 12));
        // drain selects t1 alone: every endpoint is terminating, so the serving ones take the traffic.
        Assert.Equal(Enumerable.Repeat("t1", 4), Hostnames("default/client", "http://10.96.100.23/hostname", 4));
        var slices = PodwireCli.Run("get", "endpointslices", "-n", "default", "-o", "json", "--cluster", lab.Name);
        Assert.True(slices.ExitCode == 0, slices.Stderr);
        Assert.Matches(@"""ready"":\s*false,\s*""serving"":\s*true,\s*""terminating"":\s*true", slices.Stdout);
    }

    [RootFact]
    public void ExternalIpIsReachableAcrossTheUnderlayAndFromPods()
    {
        Assert.Contains(lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.255.20/hostname").Stdout, new[] { "a1", "a2" });
        Assert.Contains(lab.Exec("default/client", "curl", "-s", "-m", "3", "http://172.18.255.20/hostname").Stdout, new[] { "a1", "a2" });
    }

    [RootFact]
    public void LoadBalancerSourceRangesAdmitOnlyTheirSources()
    {
        // The underlay's own address (172.18.0.1) is the one allowed source.
        Assert.Contains(lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.255.12/hostname").Stdout, new[] { "a1", "a2" });
        // A pod is outside the ranges: dropped before DNAT (curl times out), as the analyzer says.
        Assert.Equal(28, lab.Exec("default/client", "curl", "-s", "-m", "1", "http://172.18.255.12/hostname").ExitCode);
        var trace = PodwireCli.Run("trace", "default/client", "--to", "172.18.255.12", "--port", "80", "--cluster", lab.Name, "-o", "json");
        Assert.True(trace.ExitCode == 0, trace.Stderr);
        var root = JsonDocument.Parse(trace.Stdout).RootElement;
        Assert.False(root.GetProperty("prediction").GetProperty("delivered").GetBoolean(), trace.Stdout);
        Assert.Contains("outside loadBalancerSourceRanges", root.GetProperty("prediction").GetProperty("reason").GetString());
        Assert.False(root.GetProperty("observed").GetProperty("delivered").GetBoolean(), trace.Stdout);
        // The trace shows where: the client's node, in the Service's firewall chain.
        var events = root.GetProperty("observed").GetProperty("nodes")[0].GetProperty("events").EnumerateArray();
        Assert.Contains(events, e => e.GetProperty("chain").GetString()!.StartsWith("fw-", StringComparison.Ordinal)
                                     && e.GetProperty("verdict").GetString() == "drop");
        // The same Service's ClusterIP and NodePort are not covered by the ranges.
        Assert.Contains(lab.Exec("default/client", "curl", "-s", "-m", "3", "http://10.96.100.26/hostname").Stdout, new[] { "a1", "a2" });
        Assert.Contains(lab.Exec("default/client", "curl", "-s", "-m", "3", "http://172.18.0.3:30083/hostname").Stdout, new[] { "a1", "a2" });
    }

    [RootFact]
    public void ClientIpAffinityForgetsAClientAfterItsTimeout()
    {
        string client = PodIp("client");
        var entry = new System.Text.RegularExpressions.Regex($@"{System.Text.RegularExpressions.Regex.Escape(client)} \. 10\.96\.100\.25 \. tcp \. 80 timeout 2s");
        Assert.Single(Hostnames("default/client", "http://10.96.100.25/hostname", 1));
        // The entry's 2 s run from the connection: stamped as soon as it is done, not after the
        // listing below, which on a loaded machine could eat into them and make it look short-lived.
        var sw = Stopwatch.StartNew();
        Assert.Matches(entry, Nft("node-2", "list", "map", "ip", "podwire-proxy", "affinity"));
        // The kernel expires the element itself; nothing in userspace has to.
        while (entry.IsMatch(Nft("node-2", "list", "map", "ip", "podwire-proxy", "affinity")) && sw.Elapsed < TimeSpan.FromSeconds(6)) Thread.Sleep(200);
        Assert.DoesNotMatch(entry, Nft("node-2", "list", "map", "ip", "podwire-proxy", "affinity"));
        Assert.True(sw.Elapsed > TimeSpan.FromSeconds(1), $"gone after {sw.Elapsed}");
    }

    [RootFact(Tools = new[] { "dig", "curl" })]
    public void HeadlessAndExternalNameServicesAreNamesWithoutProxyRules()
    {
        string a1 = PodIp("a1"), a2 = PodIp("a2");
        // Headless: the name answers with the pods' own addresses, and connections go straight to them.
        var dig = lab.Exec("default/client", "dig", "+short", "headless.default.svc.cluster.local");
        Assert.Equal(new[] { a1, a2 }.Order(), dig.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        Assert.Contains(lab.Exec("default/client", "curl", "-s", "-m", "3", "http://headless:8080/hostname").Stdout, new[] { "a1", "a2" });
        // ExternalName: a CNAME, here to an in-cluster name, which the client then reaches through that Service.
        var alias = lab.Exec("default/client", "dig", "+short", "alias.default.svc.cluster.local");
        Assert.StartsWith("web.default.svc.cluster.local.\n", alias.Stdout);
        Assert.Contains(lab.Exec("default/client", "curl", "-s", "-m", "3", "http://alias/hostname").Stdout, new[] { "a1", "a2" });
        // Neither has a frontend: the proxy matches on ClusterIPs, node, LB and external IPs, never a pod's address.
        foreach (var node in (string[])["node-1", "node-2"])
        {
            var frontends = Nft(node, "list", "map", "ip", "podwire-proxy", "internal");
            Assert.DoesNotContain(a1 + " .", frontends);
            Assert.DoesNotContain(a2 + " .", frontends);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(frontends, @"(\d+\.\d+\.\d+\.\d+) \. (tcp|udp|sctp) \. \d+ :"))
                Assert.DoesNotMatch(@"^10\.244\.", m.Groups[1].Value);
        }
    }

    [RootFact]
    public void ClusterIpSpreadsOverBothBackends()
    {
        var names = Hostnames("default/client", "http://10.96.100.10/hostname", 20);
        Assert.Equal(20, names.Count);
        Assert.Equal(["a1", "a2"], names.Distinct().Order().ToArray());
        // Pod to Service is not masqueraded (kube-proxy with a cluster CIDR): the endpoint sees the pod.
        var seen = Hostnames("default/client", "http://10.96.100.10/clientip", 6);
        Assert.All(seen, s => Assert.StartsWith(PodIp("client") + ":", s));
    }

    [RootFact]
    public void NodePortAnswersFromAnotherNodeAndFromTheUnderlay()
    {
        var fromNode = lab.InNetns("node-node-1", "curl", "-s", "-m", "3", "http://172.18.0.3:30080/hostname");
        Assert.Contains(fromNode.Stdout, new[] { "a1", "a2" });
        var fromUnderlay = lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.0.2:30080/hostname");
        Assert.Contains(fromUnderlay.Stdout, new[] { "a1", "a2" });
        // externalTrafficPolicy Cluster: the backend sees a node address, not the client's.
        var clientIp = lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.0.3:30080/clientip");
        Assert.DoesNotContain("172.18.0.1:", clientIp.Stdout);
        Assert.Matches(@"^\d+\.\d+\.\d+\.\d+:\d+$", clientIp.Stdout);
    }

    [RootFact]
    public void LoadBalancerAddressIsReachableAcrossTheUnderlayAndPublished()
    {
        var r = lab.InNetns("underlay", "curl", "-s", "-m", "3", "http://172.18.255.10/hostname");
        Assert.Contains(r.Stdout, new[] { "a1", "a2" });
        var fromPod = lab.Exec("default/client", "curl", "-s", "-m", "3", "http://172.18.255.10/hostname");
        Assert.Contains(fromPod.Stdout, new[] { "a1", "a2" });
        var svc = PodwireCli.Run("get", "svc", "lb", "-n", "default", "-o", "json", "--cluster", lab.Name);
        var ingress = JsonDocument.Parse(svc.Stdout).RootElement.GetProperty("status").GetProperty("loadBalancer").GetProperty("ingress");
        Assert.Equal("172.18.255.10", ingress[0].GetProperty("ip").GetString());
    }

    [RootFact]
    public void ClientIpAffinitySticks()
    {
        var names = Hostnames("default/client", "http://10.96.100.11/hostname", 12);
        Assert.Equal(12, names.Count);
        Assert.Single(names.Distinct());
    }

    [RootFact]
    public void AStickyClientStaysOnItsEndpointWhileItExistsAndMovesOnlyWhenItGoes()
    {
        const string a3 = """

            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: a3, namespace: default, labels: {app: a, local: "yes"}}
            spec:
              nodeName: node-1
              containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]
            """;
        string Shrink(string selector) => $$$"""

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
            void Apply(string manifests, string chain)
            {
                File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), manifests);
                var apply = PodwireCli.Run("apply", "-f", dir.FullName, "--cluster", lab.Name);
                Assert.True(apply.ExitCode == 0, apply.Stderr);
                // The client's node has the Service's new chain (and with it its elements).
                var sw = Stopwatch.StartNew();
                while (!Nft2("list", "map", "ip", "podwire-proxy", "internal").Contains($"10.96.100.15 . tcp . 80 : goto {chain}")
                       && sw.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(100);
            }
            string Nft2(params string[] args) => Nft("node-2", args);
            List<string> Get(int n) => Hostnames("default/client", "http://10.96.100.15/hostname", n);

            Apply(Manifests + Shrink("{app: a}"), "lb-2-a60");
            // The client is remembered on a2 (written into the kernel's affinity map under a2's slot,
            // so the test does not depend on the draw).
            string a2 = PodIp("a2"), client = PodIp("client");
            var listed = Nft2("list", "map", "ip", "podwire-proxy", "backends");
            var found = System.Text.RegularExpressions.Regex.Match(listed, $@"10\.96\.100\.15 \. tcp \. 80 \. (0x[0-9a-f]+) : {System.Text.RegularExpressions.Regex.Escape(a2)} \. 8080");
            Assert.True(found.Success, listed);
            string slot = found.Groups[1].Value;
            lab.InNetns("node-node-2", "nft", "delete", "element", "ip", "podwire-proxy", "affinity", $"{{ {client} . 10.96.100.15 . tcp . 80 }}");
            var seed = lab.InNetns("node-node-2", "nft", "add", "element", "ip", "podwire-proxy", "affinity", $"{{ {client} . 10.96.100.15 . tcp . 80 timeout 60s : {slot} }}");
            Assert.True(seed.ExitCode == 0, seed.Stderr);
            Assert.Equal(["a2", "a2", "a2"], Get(3));
            // A third endpoint joins (ahead of a2 in the endpoint list): the client stays on a2.
            Apply(Manifests + a3 + Shrink("{app: a}"), "lb-3-a60");
            Assert.Equal(["a2", "a2", "a2", "a2", "a2"], Get(5));
            // a2 leaves the Service: the client is drawn again, onto one of the others, and stays there.
            Apply(Manifests + a3 + Shrink("{app: a, local: \"yes\"}"), "lb-2-a60");
            // The proxy drops the entries naming a2's slot right after the change that removed a2.
            var entry = new System.Text.RegularExpressions.Regex($@"{System.Text.RegularExpressions.Regex.Escape(client)} \. 10\.96\.100\.15 \. tcp \. 80 [^,}}]*: {slot}");
            var gone = Stopwatch.StartNew();
            while (entry.IsMatch(Nft2("list", "map", "ip", "podwire-proxy", "affinity")) && gone.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(50);
            Assert.DoesNotMatch(entry, Nft2("list", "map", "ip", "podwire-proxy", "affinity"));
            var after = Get(5);
            Assert.Equal(5, after.Count);
            Assert.Single(after.Distinct());
            Assert.Contains(after[0], new[] { "a1", "a3" });
        }
        finally
        {
            File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), Manifests);
            PodwireCli.Run("apply", "-f", dir.FullName, "--cluster", lab.Name);
            dir.Delete(true);
        }
    }

    [RootFact]
    public void ExternalTrafficPolicyLocalKeepsTheClientIpAndHealthChecksAnswer()
    {
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

    [RootFact]
    public void AServiceWithoutEndpointsIsRefusedImmediately()
    {
        var r = lab.Exec("default/client", "curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{time_total}", "http://10.96.100.12/");
        Assert.Equal(7, r.ExitCode);
        Assert.True(double.Parse(r.Stdout, System.Globalization.CultureInfo.InvariantCulture) < 0.5, $"took {r.Stdout} s");
    }

    [RootFact]
    public void APodReachesItselfThroughItsService()
    {
        var names = Hostnames("default/a1", "http://10.96.100.10/hostname", 16);
        Assert.Equal(16, names.Count); // every connection answered, the ones DNATed to a1 itself included
        Assert.Contains("a1", names);
        // kube-proxy masquerades hairpin traffic, so a1's answer to itself goes back through the node
        // (a reply straight to its own address would skip the reverse DNAT); others see a1 itself.
        string a1 = PodIp("a1");
        var answers = Hostnames("default/a1", "http://10.96.100.10/who", 16).Select(j => JsonDocument.Parse(j).RootElement).ToList();
        Assert.Equal(16, answers.Count);
        foreach (var a in answers)
        {
            var from = a.GetProperty("clientIP").GetString();
            if (a.GetProperty("pod").GetString() == "a1") Assert.NotEqual(a1, from);
            else Assert.Equal(a1, from);
        }
    }
}
