using Podwire.Model;
using Podwire.Semantics.Ingress;
using static Podwire.Semantics.Tests.Build;

namespace Podwire.Semantics.Tests;

/// <summary>SPECS section 4 path and host vectors.</summary>
public sealed class IngressMatchingTests
{
    // (rule paths "path:Kind" separated by ',', request, expected matching rule path or null)
    public static TheoryData<string, string, string?> PathVectors => new()
    {
        { "/:Prefix", "/anything/at/all", "/" },
        { "/:Prefix", "/", "/" },
        { "/foo:Exact", "/foo", "/foo" },
        { "/foo:Exact", "/bar", null },
        { "/foo:Exact", "/foo/", null },
        { "/foo/:Exact", "/foo", null },
        { "/foo:Prefix", "/foo", "/foo" },
        { "/foo:Prefix", "/foo/", "/foo" },
        { "/foo/:Prefix", "/foo", "/foo/" },
        { "/foo/:Prefix", "/foo/", "/foo/" },
        { "/aaa/bb:Prefix", "/aaa/bbb", null },
        { "/aaa/bbb:Prefix", "/aaa/bbb", "/aaa/bbb" },
        { "/aaa/bbb/:Prefix", "/aaa/bbb", "/aaa/bbb/" },
        { "/aaa/bbb:Prefix", "/aaa/bbb/", "/aaa/bbb" },
        { "/aaa/bbb:Prefix", "/aaa/bbb/ccc", "/aaa/bbb" },
        { "/aaa/bbb:Prefix", "/aaa/bbbxyz", null },
        { "/:Prefix,/aaa:Prefix", "/aaa/ccc", "/aaa" },
        { "/:Prefix,/aaa:Prefix,/aaa/bbb:Prefix", "/aaa/bbb", "/aaa/bbb" },
        { "/:Prefix,/aaa:Prefix,/aaa/bbb:Prefix", "/ccc", "/" },
        { "/aaa:Prefix", "/ccc", null },
        { "/foo:Exact", "/Foo", null },
        { "/foo:Exact", "/foo?x=1", "/foo" },
        { "/foo:Exact", "/foo#frag", "/foo" },
        { "/foo:ImplementationSpecific", "/foo/bar", "/foo" },
    };

    private static (string Path, PathType Type)[] ParseRules(string rules) =>
        [.. rules.Split(',').Select(r => { var i = r.LastIndexOf(':'); return (r[..i], Enum.Parse<PathType>(r[(i + 1)..])); })];

    [Theory]
    [MemberData(nameof(PathVectors))]
    public void Path_vectors(string rules, string request, string? expected)
    {
        var parsed = ParseRules(rules);
        var paths = parsed.Select((r, i) => Path(r.Path, r.Type, Backend($"svc{i}", 80))).ToArray();
        var ing = Ing("default", "ing", [Rule("foo.com", paths)], defaultBackend: Backend("fallback", 80));
        var result = IngressRouter.Route([ing], [], "foo.com", request);
        Assert.Equal(expected, result.MatchedPath);
        string svc = expected is null ? "fallback" : $"svc{Array.FindIndex(parsed, r => r.Path == expected)}";
        Assert.Equal("default/" + svc, result.ServiceKey);
        Assert.Equal("default/ing", result.Ingress);
    }

    [Fact]
    public void Exact_beats_prefix_of_equal_length()
    {
        var ing = Ing("default", "ing", [Rule("foo.com", Path("/foo", PathType.Prefix, Backend("prefix", 80)), Path("/foo", PathType.Exact, Backend("exact", 80)))]);
        var r = IngressRouter.Route([ing], [], "foo.com", "/foo");
        Assert.Equal("default/exact", r.ServiceKey);
        Assert.Equal(PathType.Exact, r.MatchedPathType);
        Assert.Equal("default/prefix", IngressRouter.Route([ing], [], "foo.com", "/foo/x").ServiceKey);
    }

    [Theory]
    [InlineData("*.foo.com", "bar.foo.com", HostMatch.Wildcard)]
    [InlineData("*.foo.com", "baz.bar.foo.com", HostMatch.None)]
    [InlineData("*.foo.com", "foo.com", HostMatch.None)]
    [InlineData("*.foo.com", ".foo.com", HostMatch.None)]
    [InlineData("foo.bar.com", "foo.bar.com", HostMatch.Exact)]
    [InlineData("foo.bar.com", "bar.com", HostMatch.None)]
    [InlineData("foo.bar.com", "x.foo.bar.com", HostMatch.None)]
    [InlineData("Foo.Bar.com", "foo.bar.com", HostMatch.Exact)]
    [InlineData(null, "anything.example", HostMatch.CatchAll)]
    [InlineData("", "anything.example", HostMatch.CatchAll)]
    public void Host_vectors(string? rule, string host, HostMatch expected) =>
        Assert.Equal(expected, IngressMatching.MatchHost(rule, IngressMatching.NormalizeHost(host)));

    [Theory]
    [InlineData("Foo.COM:8080", "foo.com")]
    [InlineData("foo.com.", "foo.com")]
    [InlineData("[::1]:443", "::1")]
    [InlineData("", "")]
    public void Host_header_normalization(string header, string expected) =>
        Assert.Equal(expected, IngressMatching.NormalizeHost(header));
}
