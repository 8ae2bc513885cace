using System.Diagnostics;
using System.Text.Json;

namespace Podwire.Dns.Tests;

/// <summary>
/// Cluster DNS inside a real lab (root only): pods resolve through the resolv.conf kubelet would
/// write, with getent, dig and curl, answered by the coredns pods behind kube-dns, and changes
/// are visible within a second.
/// </summary>
public sealed class LabDnsTests
{
    private const string Manifests = """
        apiVersion: v1
        kind: Node
        metadata: {name: node-1}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: node-2}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: prod}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: prod}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: prod}
        spec:
          clusterIP: None
          selector: {app: db}
          ports: [{name: pg, port: 5432}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1, namespace: prod, labels: {app: web}}
        spec:
          nodeName: node-2
          containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: db-0, namespace: prod, labels: {app: db}}
        spec:
          nodeName: node-2
          hostname: db-0
          subdomain: db
          containers: [{name: c, ports: [{containerPort: 5432}]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client, namespace: prod, labels: {app: client}}
        spec:
          nodeName: node-1
          containers: [{name: c}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: other, namespace: default, labels: {app: other}}
        spec:
          nodeName: node-1
          dnsConfig:
            searches: [example.internal]
            options: [{name: ndots, value: "2"}]
          containers: [{name: c}]
        """;

    [RootFact("brings up a lab", Tools = new[] { "dig", "getent", "curl" })]
    public void PodsResolveThroughTheirResolvConf()
    {
        var dir = Directory.CreateTempSubdirectory("pw-labdns-");
        File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), Manifests);
        try
        {
            // Disposed (down, and nothing of it left: namespaces, /etc/netns, state) before the folder goes.
            using var lab = new TestLab(dir.FullName);
            string cluster = lab.Name;
            RunResult Exec(string pod, params string[] cmd) => lab.Exec(pod, cmd);

            Assert.Equal(
                "# Kubernetes-managed resolv.conf (podwire lab).\nsearch prod.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
                File.ReadAllText($"/etc/netns/pw-{cluster}-pod-prod.client/resolv.conf"));
            // dnsConfig merged in (SPECS section 3): searches appended, ndots replaced.
            Assert.Equal(
                "# Kubernetes-managed resolv.conf (podwire lab).\nsearch default.svc.cluster.local svc.cluster.local cluster.local example.internal\nnameserver 10.96.0.10\noptions ndots:2\n",
                File.ReadAllText($"/etc/netns/pw-{cluster}-pod-default.other/resolv.conf"));

            // The analyzer's answer for the same manifests (allocation is deterministic).
            var expected = JsonDocument.Parse(PodwireCli.Run("dns", "-f", dir.FullName, "web.prod.svc.cluster.local.", "-o", "json").Stdout)
                .RootElement.GetProperty("answers")[0].GetProperty("data").GetString();

            var getent = Exec("prod/client", "getent", "hosts", "web");
            Assert.True(getent.ExitCode == 0, getent.Stderr);
            Assert.Equal($"{expected} web.prod.svc.cluster.local", string.Join(' ', getent.Stdout.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries)));
            Assert.Equal(expected, Exec("default/other", "dig", "+short", "+search", "web.prod").Stdout.Trim());
            Assert.Equal("0 100 5432 db-0.db.prod.svc.cluster.local.", Exec("prod/client", "dig", "+short", "_pg._tcp.db.prod.svc.cluster.local", "SRV").Stdout.Trim());
            Assert.Equal("0 100 5432 db-0.db.prod.svc.cluster.local.", Exec("prod/client", "dig", "+tcp", "+short", "_pg._tcp.db.prod.svc.cluster.local", "SRV").Stdout.Trim());
            Assert.Contains("status: REFUSED", Exec("prod/client", "dig", "www.example.com").Stdout);
            // Through the Service by name, as users do.
            Assert.Equal("web-1", Exec("prod/client", "curl", "-s", "-m", "3", "http://web/hostname").Stdout);

            File.AppendAllText(Path.Combine(dir.FullName, "cluster.yaml"), """

                ---
                apiVersion: v1
                kind: Service
                metadata: {name: late, namespace: prod}
                spec:
                  selector: {app: web}
                  ports: [{name: http, port: 80, targetPort: 8080}]
                """);
            var apply = PodwireCli.Run("apply", "-f", dir.FullName, "--cluster", cluster);
            Assert.True(apply.ExitCode == 0, apply.Stderr);
            var watch = Stopwatch.StartNew();
            var late = ServeCommandTests.Wait(() => Exec("prod/client", "getent", "hosts", "late"), r => r.ExitCode == 0, TimeSpan.FromSeconds(5));
            Assert.True(late.ExitCode == 0 && watch.Elapsed < TimeSpan.FromSeconds(1.5), $"late after {watch.Elapsed}: {late.Stdout}{late.Stderr}");
            Assert.Contains("late.prod.svc.cluster.local", late.Stdout);

            // The answers come from the coredns pods behind kube-dns (through the service proxy):
            // the Service has their addresses as endpoints, and a policy isolating them cuts DNS off.
            var slices = JsonDocument.Parse(PodwireCli.Run("get", "endpointslices", "-n", "kube-system", "-o", "json", "--cluster", cluster).Stdout).RootElement.GetProperty("items");
            var dnsEndpoints = slices.EnumerateArray().Where(s => s.GetProperty("metadata").GetProperty("name").GetString()!.StartsWith("kube-dns", StringComparison.Ordinal))
                .SelectMany(s => s.GetProperty("endpoints").EnumerateArray()).Select(e => e.GetProperty("addresses")[0].GetString()).ToList();
            Assert.Equal(2, dnsEndpoints.Count);
            File.AppendAllText(Path.Combine(dir.FullName, "cluster.yaml"), """

                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: isolate-dns, namespace: kube-system}
                spec:
                  podSelector: {matchLabels: {k8s-app: kube-dns}}
                  policyTypes: [Ingress]
                """);
            Assert.Equal(0, PodwireCli.Run("apply", "-f", dir.FullName, "--cluster", cluster).ExitCode);
            var cut = Exec("prod/client", "dig", "+time=1", "+tries=1", "web.prod.svc.cluster.local");
            Assert.NotEqual(0, cut.ExitCode);
            Assert.Contains("timed out", cut.Stdout);
        }
        finally { dir.Delete(true); }
    }
}
