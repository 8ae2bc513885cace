using System.Diagnostics;
using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>
/// The ingress controller as the lab runs it (root only): pods in podwire-system behind the
/// LoadBalancer Service podwire-system/ingress, Ingress status written back, HTTP and HTTPS by
/// host and path from outside the pod network, port-forward to the host's loopback, live
/// reconfiguration on apply, and configuration injection refused with a status saying why.
/// </summary>
[Collection("lab")]
public sealed class IngressLabTests
{
    private static RunResult Curl(TestLab lab, params string[] args) => lab.InNetns("node-node-1", ["curl", "-sS", "-m", "5", .. args]);

    private static string Who(string json) => JsonDocument.Parse(json).RootElement.GetProperty("pod").GetString()!;

    private static string LoadBalancerIp(TestLab lab, string ns, string svc) =>
        JsonDocument.Parse(PodwireCli.Run("get", "svc", svc, "-n", ns, "-o", "json", "--cluster", lab.Name).Stdout).RootElement
            .GetProperty("status").GetProperty("loadBalancer").GetProperty("ingress")[0].GetProperty("ip").GetString()!;

    // The page as headless Chromium renders it (its DOM), the URL's host mapped to 127.0.0.1:PORT.
    private static string Browse(string url, int port)
    {
        var profile = Directory.CreateTempSubdirectory("pw-chromium-");
        try
        {
            var host = new Uri(url).Host;
            var r = Programs.Run("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--ignore-certificate-errors",
                $"--user-data-dir={profile.FullName}", $"--host-resolver-rules=MAP {host} 127.0.0.1:{port}", "--dump-dom", url]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            return r.Stdout;
        }
        finally { profile.Delete(true); }
    }

    [RootFact("brings up a lab", Tools = new[] { "chromium", "openssl", "curl" })]
    public async Task TheIngressServesTheExamplesBehindItsLoadBalancer()
    {
        var dir = Directory.CreateTempSubdirectory("pw-ingresslab-");
        foreach (var f in Directory.GetFiles(Repo.PathOf("examples"), "*.yaml")) File.Copy(f, Path.Combine(dir.FullName, Path.GetFileName(f)));
        try
        {
            using var lab = new TestLab(dir.FullName);
            var pods = PodwireCli.Run("get", "pods", "-n", "podwire-system", "--cluster", lab.Name).Stdout;
            Assert.Contains("ingress-", pods);
            string vip = LoadBalancerIp(lab, "podwire-system", "ingress");

            // Status written back: the Ingress carries the controller's published address.
            var ing = JsonDocument.Parse(PodwireCli.Run("get", "ing", "shop", "-n", "shop", "-o", "json", "--cluster", lab.Name).Stdout).RootElement;
            Assert.Equal(vip, ing.GetProperty("status").GetProperty("loadBalancer").GetProperty("ingress")[0].GetProperty("ip").GetString());
            Assert.Contains(vip, PodwireCli.Run("get", "ing", "-A", "--cluster", lab.Name).Stdout);

            // From a node (outside the pod network), by host and path, to the Services' pods.
            Assert.StartsWith("web-", Who(Curl(lab, "-H", "Host: shop.example.com", $"http://{vip}/").Stdout));
            Assert.StartsWith("catalog-", Who(Curl(lab, "-H", "Host: SHOP.example.com", $"http://{vip}/api/catalog/items").Stdout));
            Assert.StartsWith("orders-", Who(Curl(lab, "-H", "Host: shop.example.com", $"http://{vip}/api/orders").Stdout));
            Assert.StartsWith("web-", Who(Curl(lab, "-H", "Host: eu.shop.example.com", $"http://{vip}/api/orders").Stdout)); // wildcard rule: all to web
            var viaIngress = JsonDocument.Parse(Curl(lab, "-H", "Host: shop.example.com", $"http://{vip}/api/catalog").Stdout).RootElement;
            Assert.Equal("shop.example.com", viaIngress.GetProperty("host").GetString());
            // TLS terminated with the Secret's certificate, chosen by SNI.
            var tls = Curl(lab, "-k", "-w", "\n%{http_code} %{ssl_verify_result}", "--resolve", $"shop.example.com:443:{vip}", "https://shop.example.com/api/catalog/x");
            Assert.True(tls.ExitCode == 0, tls.Stderr);
            Assert.StartsWith("catalog-", Who(tls.Stdout.Split('\n')[0]));
            var cert = Programs.Run("bash", ["-c", $"ip netns exec pw-{lab.Name}-node-node-1 openssl s_client -connect {vip}:443 -servername shop.example.com </dev/null 2>/dev/null | openssl x509 -noout -subject"]);
            Assert.True(cert.ExitCode == 0, cert.Stderr);
            Assert.Contains("CN = shop.example.com", cert.Stdout);

            // port-forward with no Service named forwards to the ingress: an HTTP client and a
            // real browser (headless Chromium, the name mapped to the forwarded port) on the host.
            int port = 20000 + Random.Shared.Next(20000);
            using (lab.PortForward($"{port}:80"))
            using (lab.PortForward($"{port + 1}:443"))
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                using var req = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/hostname");
                req.Headers.Host = "shop.example.com";
                using var resp = await http.SendAsync(req);
                Assert.StartsWith("web-", await resp.Content.ReadAsStringAsync());
                var page = Browse($"http://shop.example.com/api/catalog/items", port);
                Assert.Contains("\"pod\":\"catalog-", page);
                Assert.Contains("\"host\":\"shop.example.com\"", page);
                Assert.Contains("\"pod\":\"web-", Browse("https://shop.example.com/", port + 1));
            }

            // apply: a new Ingress is served without restarting, and an injection attempt is refused and says so.
            File.WriteAllText(Path.Combine(dir.FullName, "60-more.yaml"), """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: api, namespace: shop}
                spec:
                  rules:
                  - host: api.example.com
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: catalog, port: {number: 80}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: sneaky
                  namespace: shop
                  annotations:
                    nginx.ingress.kubernetes.io/configuration-snippet: "more_set_headers x;"
                spec:
                  rules:
                  - host: sneaky.example.com
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: catalog, port: {number: 80}}}}
                """);
            var apply = PodwireCli.Run("apply", "-f", dir.FullName, "--cluster", lab.Name);
            Assert.True(apply.ExitCode == 0, apply.Stderr);
            string? routed = null;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(10))
            {
                var r = Curl(lab, "-H", "Host: api.example.com", $"http://{vip}/x");
                if (r.ExitCode == 0 && r.Stdout.StartsWith('{') && (routed = Who(r.Stdout)).StartsWith("catalog-")) break;
                Thread.Sleep(100);
            }
            Assert.StartsWith("catalog-", routed);
            // The refused Ingress is not served (its host falls to the default backend, web) and its status says why.
            Assert.StartsWith("web-", Who(Curl(lab, "-H", "Host: sneaky.example.com", $"http://{vip}/x").Stdout));
            var all = JsonDocument.Parse(PodwireCli.Run("get", "ing", "-n", "shop", "-o", "json", "--cluster", lab.Name).Stdout).RootElement.GetProperty("items");
            var sneaky = all.EnumerateArray().First(i => i.GetProperty("metadata").GetProperty("name").GetString() == "sneaky");
            Assert.StartsWith("refused: ", sneaky.GetProperty("metadata").GetProperty("annotations").GetProperty("ingress.podwire.io/status").GetString());
            Assert.False(sneaky.TryGetProperty("status", out var st) && st.ValueKind == JsonValueKind.Object && st.TryGetProperty("loadBalancer", out _));
        }
        finally { dir.Delete(true); }
    }
}
