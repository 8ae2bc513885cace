using Podwire.Ingress.Tests.Harness;
using static Podwire.Ingress.Tests.Harness.Manifests;

namespace Podwire.Ingress.Tests;

/// <summary>SPECS 4 path and host tables through the real proxy, with curl.</summary>
public sealed class ProxyRoutingTests(BackendsFixture backends) : IClassFixture<BackendsFixture>
{
    /// <summary>
    /// One SPECS 4 path-table row per host "rN.test": the row's rule paths go to backends a, b, c
    /// in order; the expected answer is that backend or 404 (no Ingress here has a defaultBackend).
    /// </summary>
    public static readonly (PathSpec[] Paths, string Request, string Expected)[] PathRows =
    [
        ([P("/", "Prefix", "a")], "/anything/at/all", "a"),
        ([P("/foo", "Exact", "a")], "/foo", "a"),
        ([P("/foo", "Exact", "a")], "/bar", "404"),
        ([P("/foo", "Exact", "a")], "/foo/", "404"),
        ([P("/foo/", "Exact", "a")], "/foo", "404"),
        ([P("/foo", "Prefix", "a")], "/foo", "a"),
        ([P("/foo", "Prefix", "a")], "/foo/", "a"),
        ([P("/foo/", "Prefix", "a")], "/foo", "a"),
        ([P("/foo/", "Prefix", "a")], "/foo/", "a"),
        ([P("/aaa/bb", "Prefix", "a")], "/aaa/bbb", "404"),
        ([P("/aaa/bbb", "Prefix", "a")], "/aaa/bbb", "a"),
        ([P("/aaa/bbb/", "Prefix", "a")], "/aaa/bbb", "a"),
        ([P("/aaa/bbb", "Prefix", "a")], "/aaa/bbb/", "a"),
        ([P("/aaa/bbb", "Prefix", "a")], "/aaa/bbb/ccc", "a"),
        ([P("/aaa/bbb", "Prefix", "a")], "/aaa/bbbxyz", "404"),
        ([P("/", "Prefix", "a"), P("/aaa", "Prefix", "b")], "/aaa/ccc", "b"),
        ([P("/", "Prefix", "a"), P("/aaa", "Prefix", "b"), P("/aaa/bbb", "Prefix", "c")], "/aaa/bbb", "c"),
        ([P("/", "Prefix", "a"), P("/aaa", "Prefix", "b"), P("/aaa/bbb", "Prefix", "c")], "/ccc", "a"),
        ([P("/aaa", "Prefix", "a")], "/ccc", "404"),
        ([P("/foo", "Prefix", "a"), P("/foo", "Exact", "b")], "/foo", "b"),
        ([P("/foo", "Exact", "a")], "/Foo", "404"),
        ([P("/foo", "Exact", "a")], "/foo?x=1", "a"),
        ([P("/foo", "ImplementationSpecific", "a")], "/foo/bar", "a"),
    ];

    [Fact]
    public async Task Every_path_vector_of_SPECS_4_through_the_proxy()
    {
        var yaml = backends.Services;
        for (int i = 0; i < PathRows.Length; i++) yaml += IngressYaml($"row{i}", [Rule($"r{i}.test", PathRows[i].Paths)]);
        await using var proxy = await IngressProcess.StartAsync(yaml);
        var failures = new List<string>();
        for (int i = 0; i < PathRows.Length; i++)
        {
            var (paths, request, expected) = PathRows[i];
            var got = await Tool.CurlAsync($"r{i}.test", proxy.HttpPort, request);
            if (Tool.Who(got) != expected)
                failures.Add($"row {i} [{string.Join(", ", paths.Select(p => p.Type + " " + p.Path))}] {request}: expected {expected}, got {got}");
        }
        Assert.Empty(failures);
        // The backend sees the original path and query.
        Assert.Contains("path=/foo?x=1", await Tool.CurlAsync("r21.test", proxy.HttpPort, "/foo?x=1"));
    }

    [Fact]
    public async Task Host_vectors_wildcards_exact_over_wildcard_case_insensitive_and_404()
    {
        var yaml = backends.Services
            + IngressYaml("wild", [Rule("*.foo.com", P("/", "Prefix", "a"))])
            + IngressYaml("exact", [Rule("foo.bar.com", P("/", "Prefix", "b")), Rule("x.foo.com", P("/only", "Exact", "c"))]);
        await using var proxy = await IngressProcess.StartAsync(yaml);
        async Task<string> Get(string host, string path = "/") => Tool.Who(await Tool.CurlAsync(host, proxy.HttpPort, path));

        Assert.Equal("a", await Get("bar.foo.com"));
        Assert.Equal("404", await Get("baz.bar.foo.com"));   // more than one label
        Assert.Equal("404", await Get("foo.com"));           // zero labels
        Assert.Equal("b", await Get("foo.bar.com"));
        Assert.Equal("b", await Get("FOO.Bar.COM"));          // hosts are case-insensitive
        Assert.Equal("404", await Get("bar.com"));
        Assert.Equal("c", await Get("x.foo.com", "/only"));  // an exact host beats the wildcard…
        Assert.Equal("a", await Get("x.foo.com", "/other")); // …while one of its paths matches
        Assert.Equal("b", Tool.Who(await Tool.CurlAsync("foo.bar.com", proxy.HttpPort, "/", false, "-H", "Host: foo.bar.com.")));
    }

    [Fact]
    public async Task DefaultBackend_takes_unmatched_paths_and_hosts_and_headers_are_forwarded()
    {
        var yaml = backends.Services
            + IngressYaml("site", [Rule("site.test", P("/aaa", "Prefix", "a"))], defaultService: "dflt");
        await using var proxy = await IngressProcess.StartAsync(yaml);
        Assert.Equal("a", Tool.Who(await Tool.CurlAsync("site.test", proxy.HttpPort, "/aaa/x")));
        Assert.Equal("dflt", Tool.Who(await Tool.CurlAsync("site.test", proxy.HttpPort, "/ccc")));
        Assert.Equal("dflt", Tool.Who(await Tool.CurlAsync("elsewhere.test", proxy.HttpPort, "/aaa")));

        var reply = await Tool.CurlAsync("site.test", proxy.HttpPort, "/aaa", false, "-H", "X-Forwarded-For: 6.6.6.6");
        Assert.Contains($"host=site.test:{proxy.HttpPort} xff=127.0.0.1 proto=http xhost=site.test:{proxy.HttpPort}", reply);
        var tls = await Tool.CurlAsync("site.test", proxy.HttpsPort, "/aaa", https: true);
        Assert.Contains($"xff=127.0.0.1 proto=https xhost=site.test:{proxy.HttpsPort}", tls);
    }

    [Fact]
    public async Task Missing_or_unready_endpoints_answer_503_and_resource_backends_are_not_proxied()
    {
        var yaml = backends.Services + Service("down", 1, ready: false)
            + IngressYaml("x", [Rule("x.test", P("/down", "Prefix", "down"), P("/gone", "Prefix", "nosuchsvc"), P("/", "Prefix", "a"))]);
        await using var proxy = await IngressProcess.StartAsync(yaml);
        Assert.StartsWith("503 ", await Tool.CurlAsync("x.test", proxy.HttpPort, "/down"));
        Assert.StartsWith("503 ", await Tool.CurlAsync("x.test", proxy.HttpPort, "/gone"));
        Assert.Equal("a", Tool.Who(await Tool.CurlAsync("x.test", proxy.HttpPort, "/")));
    }
}
