using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Podwire.Ingress.Tests.Harness;
using static Podwire.Ingress.Tests.Harness.Manifests;

namespace Podwire.Ingress.Tests;

/// <summary>TLS termination with SNI choosing between two Secrets, HTTP/2 over ALPN, WebSocket upgrades.</summary>
public sealed class TlsAndUpgradeTests(BackendsFixture backends) : IClassFixture<BackendsFixture>
{
    private static (string CertPem, string KeyPem) SelfSigned(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static string Secret(string name, (string CertPem, string KeyPem) pair) => $"""
        apiVersion: v1
        kind: Secret
        metadata: {"{"}name: {name}, namespace: default{"}"}
        type: kubernetes.io/tls
        data:
          tls.crt: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pair.CertPem))}
          tls.key: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pair.KeyPem))}
        ---

        """;

    [Fact]
    public async Task Sni_chooses_between_two_secrets_h2_is_negotiated_and_routing_follows_Host()
    {
        var one = SelfSigned("one.example.com");
        var two = SelfSigned("two.example.com");
        var dir = Directory.CreateTempSubdirectory("pw-ingress-tls.").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "one.pem"), one.CertPem);
            File.WriteAllText(Path.Combine(dir, "two.pem"), two.CertPem);
            var yaml = backends.Services + Secret("one-tls", one) + Secret("two-tls", two)
                + IngressYaml("one", [Rule("one.example.com", P("/", "Prefix", "a"))], extraSpec: "  tls:\n  - hosts: [one.example.com]\n    secretName: one-tls\n")
                + IngressYaml("two", [Rule("two.example.com", P("/", "Prefix", "b"))], extraSpec: "  tls:\n  - hosts: [two.example.com]\n    secretName: two-tls\n");
            await using var proxy = await IngressProcess.StartAsync(yaml);

            async Task<string> Subject(string sni)
            {
                var r = await Tool.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{proxy.HttpsPort}", "-servername", sni], stdin: "");
                var line = r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("subject=", StringComparison.Ordinal));
                return line?.Replace(" ", "") ?? "none: " + r.Stderr;
            }
            Assert.Equal("subject=CN=one.example.com", await Subject("one.example.com"));
            Assert.Equal("subject=CN=two.example.com", await Subject("two.example.com"));
            Assert.Equal("subject=CN=podwire-ingressdefaultcertificate", await Subject("three.example.com"));

            // Verified (no -k): each name is served its own certificate; HTTP/2 via ALPN.
            foreach (var (host, ca, backend) in new[] { ("one.example.com", "one.pem", "a"), ("two.example.com", "two.pem", "b") })
            {
                var r = await Tool.RunAsync("curl", ["-sS", "--http2", "--cacert", Path.Combine(dir, ca), "--resolve", $"{host}:{proxy.HttpsPort}:127.0.0.1",
                    "-w", "\n%{http_code} %{http_version}", $"https://{host}:{proxy.HttpsPort}/x"]);
                Assert.True(r.ExitCode == 0, r.Stderr);
                Assert.Contains($"backend={backend} ", r.Stdout);
                Assert.EndsWith("200 2", r.Stdout.TrimEnd());
            }
            var h1 = await Tool.RunAsync("curl", ["-sS", "--http1.1", "-k", "--resolve", $"one.example.com:{proxy.HttpsPort}:127.0.0.1",
                "-w", "\n%{http_version}", $"https://one.example.com:{proxy.HttpsPort}/"]);
            Assert.EndsWith("1.1", h1.Stdout.TrimEnd());

            // SNI one.example.com, Host two.example.com: TLS follows SNI, routing follows Host (SPECS 4).
            var mixed = await Tool.RunAsync("curl", ["-sS", "--cacert", Path.Combine(dir, "one.pem"), "--resolve", $"one.example.com:{proxy.HttpsPort}:127.0.0.1",
                "-H", "Host: two.example.com", $"https://one.example.com:{proxy.HttpsPort}/"]);
            Assert.True(mixed.ExitCode == 0, mixed.Stderr);
            Assert.Contains("backend=b ", mixed.Stdout);

            using var status = await proxy.StatusAsync();
            var names = status.RootElement.GetProperty("certificates").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Equal(["one.example.com", "two.example.com"], names);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task WebSocket_upgrade_passes_through()
    {
        var yaml = backends.Services + IngressYaml("ws", [Rule(null, P("/ws", "Prefix", "c"))]);
        await using var proxy = await IngressProcess.StartAsync(yaml);
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.HttpPort}/ws"), CancellationToken.None);
        var buffer = new byte[1024];
        foreach (var msg in new[] { "hello", "again" })
        {
            await ws.SendAsync(System.Text.Encoding.UTF8.GetBytes(msg), WebSocketMessageType.Text, true, CancellationToken.None);
            var r = await ws.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal($"c echo: {msg}", System.Text.Encoding.UTF8.GetString(buffer, 0, r.Count));
        }
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, ws.State);
    }
}
