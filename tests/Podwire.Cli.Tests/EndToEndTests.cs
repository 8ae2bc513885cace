using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>Drives ./podwire as a user would and checks output contracts and exit codes.</summary>
public class EndToEndTests
{
    private static readonly string Examples = Repo.PathOf("examples");

    private static JsonElement Json(RunResult r)
    {
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    private static void NoStackTrace(RunResult r)
    {
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
    }

    [Fact]
    public void ValidateExamplesSaysOk()
    {
        var r = PodwireCli.Run("validate", "-f", Examples);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("ok", r.Stdout.Trim());
    }

    [Fact]
    public void InvalidManifestNamesFileObjectFieldAndExitsTwo()
    {
        var bad = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: prod
            spec:
              ports:
                - port: 70000
            """;
        var r = PodwireCli.RunWithInput(bad, "validate", "-f", "-");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("<stdin>:1: Service prod/web: spec.ports[0].port: Invalid value: 70000", r.Stderr);
        Assert.Equal("", r.Stdout);
        NoStackTrace(r);
    }

    [Fact]
    public void YamlSyntaxErrorHasLineNumber()
    {
        var r = PodwireCli.RunWithInput("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [oops\n", "validate", "-f", "-");
        Assert.Equal(2, r.ExitCode);
        Assert.Matches(@"YAML syntax error at line \d+", r.Stderr);
        NoStackTrace(r);
    }

    [Fact]
    public void MissingFileIsAClearError()
    {
        var r = PodwireCli.Run("get", "pods", "-f", "/nonexistent/manifests.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("/nonexistent/manifests.yaml: no such file or directory", r.Stderr);
        NoStackTrace(r);
    }

    [Fact]
    public void BadFlagValueExitsTwo()
    {
        var r = PodwireCli.Run("resolve", "-f", Examples, "--service", "shop/web", "--port", "abc");
        Assert.Equal(2, r.ExitCode);
        NoStackTrace(r);
    }

    [Fact]
    public void UnknownKindIsSkippedWithOneNotice()
    {
        var cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
        var r = PodwireCli.RunWithInput(cm, "validate", "-f", "-");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(1, r.Stderr.Split('\n').Count(l => l.Contains("ConfigMap")));
    }

    [Fact]
    public void ResolveJsonFollowsTheContract()
    {
        var j = Json(PodwireCli.Run("resolve", "-f", Examples, "--service", "data/postgres", "--port", "5432", "-o", "json"));
        Assert.Equal("None", j.GetProperty("clusterIP").GetString());
        var eps = j.GetProperty("endpoints").EnumerateArray().ToList();
        Assert.Equal(3, eps.Count);
        Assert.All(eps, e =>
        {
            Assert.Equal(5432, e.GetProperty("port").GetInt32());
            Assert.StartsWith("data/postgres-", e.GetProperty("pod").GetString());
        });
        Assert.Equal(2, eps.Count(e => e.GetProperty("ready").GetBoolean()));
    }

    [Fact]
    public void ResolveNamedTargetPort()
    {
        var j = Json(PodwireCli.Run("resolve", "-f", Examples, "--service", "shop/orders", "--port", "9100", "-o", "json"));
        var eps = j.GetProperty("endpoints").EnumerateArray().ToList();
        Assert.Equal(2, eps.Count);
        Assert.All(eps, e => Assert.Equal(9100, e.GetProperty("port").GetInt32()));
        Assert.StartsWith("10.96.", j.GetProperty("clusterIP").GetString());
    }

    [Fact]
    public void DnsJsonFollowsTheContract()
    {
        var j = Json(PodwireCli.Run("dns", "-f", Examples, "_pg._tcp.postgres.data.svc.cluster.local", "SRV", "-o", "json"));
        Assert.Equal("NOERROR", j.GetProperty("rcode").GetString());
        var answers = j.GetProperty("answers").EnumerateArray().ToList();
        Assert.Equal(2, answers.Count);
        Assert.All(answers, a =>
        {
            Assert.Equal("SRV", a.GetProperty("type").GetString());
            Assert.Matches(@"^\d+ \d+ 5432 postgres-[01]\.postgres\.data\.svc\.cluster\.local\.$", a.GetProperty("data").GetString());
        });

        var kube = Json(PodwireCli.Run("dns", "-f", Examples, "KUBERNETES.default.svc.cluster.local", "-o", "json"));
        Assert.Equal("10.96.0.1", kube.GetProperty("answers")[0].GetProperty("data").GetString());

        var nx = Json(PodwireCli.Run("dns", "-f", Examples, "nosuch.shop.svc.cluster.local", "A", "-o", "json"));
        Assert.Equal("NXDOMAIN", nx.GetProperty("rcode").GetString());
        Assert.Equal(0, nx.GetProperty("answers").GetArrayLength());
    }

    [Fact]
    public void DnsExternalNameIsACname()
    {
        var j = Json(PodwireCli.Run("dns", "-f", Examples, "payments.shop.svc.cluster.local", "A", "-o", "json"));
        var a = j.GetProperty("answers")[0];
        Assert.Equal("CNAME", a.GetProperty("type").GetString());
        Assert.Equal("api.payments.example.com.", a.GetProperty("data").GetString());
    }

    [Fact]
    public void RouteJsonFollowsTheContract()
    {
        var j = Json(PodwireCli.Run("route", "-f", Examples, "--host", "shop.example.com", "--path", "/api/orders/42", "-o", "json"));
        Assert.Equal("shop/shop", j.GetProperty("ingress").GetString());
        Assert.Equal("shop/orders", j.GetProperty("backend").GetProperty("service").GetString());
        Assert.Equal("http", j.GetProperty("backend").GetProperty("port").GetString());
        Assert.True(j.GetProperty("tls").GetBoolean());

        var exact = Json(PodwireCli.Run("route", "-f", Examples, "--host", "shop.example.com", "--path", "/healthz", "-o", "json"));
        Assert.Equal(80, exact.GetProperty("backend").GetProperty("port").GetInt32());

        var wildcard = Json(PodwireCli.Run("route", "-f", Examples, "--host", "WWW.shop.example.com:443", "--path", "/x", "-o", "json"));
        Assert.Equal("shop/web", wildcard.GetProperty("backend").GetProperty("service").GetString());
    }

    [Fact]
    public void GetPodsJsonIsAKubernetesListWithDerivedFields()
    {
        var j = Json(PodwireCli.Run("get", "pods", "-f", Examples, "-A", "-o", "json"));
        Assert.Equal("List", j.GetProperty("kind").GetString());
        var items = j.GetProperty("items").EnumerateArray().ToList();
        Assert.True(items.Count >= 11, $"{items.Count} pods");
        Assert.All(items, p =>
        {
            Assert.Equal("Pod", p.GetProperty("kind").GetString());
            Assert.StartsWith("10.244.", p.GetProperty("status").GetProperty("podIP").GetString());
            Assert.StartsWith("node-", p.GetProperty("spec").GetProperty("nodeName").GetString());
        });
        var ips = items.Select(p => p.GetProperty("status").GetProperty("podIP").GetString()).ToList();
        Assert.Equal(ips.Count, ips.Distinct().Count());
    }

    [Fact]
    public void GetServicesTableLooksLikeKubectl()
    {
        var r = PodwireCli.Run("get", "svc", "-f", Examples, "-n", "shop");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("orders ") && l.Contains("NodePort") && l.Contains("80:30080/TCP"));
        Assert.Contains(lines, l => l.StartsWith("payments ") && l.Contains("ExternalName") && l.Contains("api.payments.example.com"));
    }

    [Fact]
    public void GetYamlAndSingleObject()
    {
        var r = PodwireCli.Run("get", "service", "web", "-f", Examples, "-n", "shop", "-o", "yaml");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("kind: Service", r.Stdout);
        Assert.Contains("clusterIP: 10.", r.Stdout);
        var missing = PodwireCli.Run("get", "service", "nope", "-f", Examples, "-n", "shop");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("not found", missing.Stderr);
    }

    [Fact]
    public void DefaultServicesAlwaysExist()
    {
        var j = Json(PodwireCli.Run("get", "services", "-f", Examples, "-n", "kube-system", "-o", "json"));
        var dns = j.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("metadata").GetProperty("name").GetString() == "kube-dns");
        Assert.Equal("10.96.0.10", dns.GetProperty("spec").GetProperty("clusterIP").GetString());
        Assert.Equal(3, dns.GetProperty("spec").GetProperty("ports").GetArrayLength());
    }

    [Theory]
    [InlineData("get")]
    [InlineData("resolve")]
    [InlineData("dns")]
    [InlineData("route")]
    [InlineData("validate")]
    [InlineData("demo")]
    public void EveryCommandHasHelpWithExamples(string command)
    {
        var r = PodwireCli.Run(command, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Examples:", r.Stdout);
    }

    [Fact]
    public void DemoShowsTheDerivedCluster()
    {
        var r = PodwireCli.Run("demo", "--no-lab");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("== Pods ==", r.Stdout);
        Assert.Contains("postgres-0.postgres.data.svc.cluster.local.", r.Stdout);
        Assert.Contains("== Ingress routes ==", r.Stdout);
        NoStackTrace(r);
    }
}
