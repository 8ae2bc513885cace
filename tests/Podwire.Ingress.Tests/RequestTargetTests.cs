using Podwire.Ingress.Routing;
using Podwire.Model;
using IngressObject = Podwire.Model.Ingress;

namespace Podwire.Ingress.Tests;

/// <summary>Routing.RequestTarget: the normalisation of docs/INGRESS-SECURITY.md, and the SPECS §4 path vectors through it.</summary>
public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("/a", "/a")]
    [InlineData("/a?x=%2F&y=..", "/a?x=%2F&y=..")]
    [InlineData("/exact%3Fx", "/exact%3Fx")]
    [InlineData("/exact%23x", "/exact%23x")]
    [InlineData("/api/%252e%252e/secret", "/api/%252e%252e/secret")]
    [InlineData("/api/%2e%2e/secret", "/secret")]
    [InlineData("/api/%2E./secret?q=/../", "/secret?q=/../")]
    [InlineData("/%61pi/%7e%2f%ff", "/api/~%2F%FF")]
    [InlineData("/a/./b/../c/", "/a/c/")]
    [InlineData("/a/..", "/")]
    [InlineData("/../../a", "/a")]
    [InlineData("/a//b", "/a//b")]
    [InlineData("/.well-known/x", "/.well-known/x")]
    [InlineData("/a/..b", "/a/..b")]
    [InlineData("http://raw.test/a/../b?q", "/b?q")]
    [InlineData("http://raw.test", "/")]
    [InlineData("http://raw.test?q", "/?q")]
    public void Targets_normalise_as_documented(string raw, string expected) => Assert.Equal(expected, RequestTarget.Normalize(raw));

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("raw.test:443")]
    [InlineData("/a#f")]
    [InlineData("/a?b#f")]
    [InlineData("/a b")]
    [InlineData("/a\rb")]
    [InlineData("/a?\u0001")]
    [InlineData("/a?\u007f")]
    [InlineData("/caf\u00e9")]
    [InlineData("/a%")]
    [InlineData("/a%4")]
    [InlineData("/a%g0")]
    public void Targets_that_cannot_be_forwarded_safely_are_refused(string raw) => Assert.Null(RequestTarget.Normalize(raw));

    [Fact]
    public void A_normal_target_is_returned_as_is_without_allocating()
    {
        const string raw = "/api/v1/items?id=7";
        Assert.Same(raw, RequestTarget.Normalize(raw));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) RequestTarget.Normalize(raw);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>The path vectors of ../shared/SPECS.md §4, through the same normalise-then-match the proxy does.</summary>
    [Theory]
    [InlineData("Prefix:/", "/anything", "/")]
    [InlineData("Exact:/foo", "/foo", "/foo")]
    [InlineData("Exact:/foo", "/bar", null)]
    [InlineData("Exact:/foo", "/foo/", null)]
    [InlineData("Exact:/foo/", "/foo", null)]
    [InlineData("Prefix:/foo", "/foo", "/foo")]
    [InlineData("Prefix:/foo", "/foo/", "/foo")]
    [InlineData("Prefix:/foo/", "/foo", "/foo/")]
    [InlineData("Prefix:/foo/", "/foo/", "/foo/")]
    [InlineData("Prefix:/aaa/bb", "/aaa/bbb", null)]
    [InlineData("Prefix:/aaa/bbb", "/aaa/bbb", "/aaa/bbb")]
    [InlineData("Prefix:/aaa/bbb/", "/aaa/bbb", "/aaa/bbb/")]
    [InlineData("Prefix:/aaa/bbb", "/aaa/bbb/", "/aaa/bbb")]
    [InlineData("Prefix:/aaa/bbb", "/aaa/bbb/ccc", "/aaa/bbb")]
    [InlineData("Prefix:/aaa/bbb", "/aaa/bbbxyz", null)]
    [InlineData("Prefix:/,Prefix:/aaa", "/aaa/ccc", "/aaa")]
    [InlineData("Prefix:/,Prefix:/aaa,Prefix:/aaa/bbb", "/aaa/bbb", "/aaa/bbb")]
    [InlineData("Prefix:/,Prefix:/aaa,Prefix:/aaa/bbb", "/ccc", "/")]
    [InlineData("Prefix:/aaa", "/ccc", null)]
    [InlineData("Prefix:/foo,Exact:/foo", "/foo", "Exact:/foo")]
    [InlineData("Exact:/foo", "/Foo", null)]
    [InlineData("Exact:/foo", "/foo?x=1", "/foo")]
    // Issue 12 V3: encoded '?' and '#' are path data, not the end of the path.
    [InlineData("Exact:/exact", "/exact%3Fx", null)]
    [InlineData("Exact:/exact", "/exact%23x", null)]
    [InlineData("Prefix:/api", "/api%23x", null)]
    [InlineData("Prefix:/api", "/api/%252e%252e/secret", "/api")]
    [InlineData("Prefix:/api", "/api/%2e%2e/secret", null)]
    public void Specs_path_vectors(string rules, string request, string? winner)
    {
        var paths = rules.Split(',').Select(r =>
        {
            var (type, path) = (r[..r.IndexOf(':')], r[(r.IndexOf(':') + 1)..]);
            return new IngressPath(path, Enum.Parse<PathType>(type), new IngressBackend(r.Replace(':', '_').Replace('/', '-'), PortRef.Of(80), null, null));
        }).ToList();
        var ing = new IngressObject("default", "p", Labels.Empty, Labels.Empty, null, null, [new IngressRule(null, paths)], [], SourceLocation.Generated);
        var table = RouteTable.Build([ing], static (_, _) => null);
        var target = RequestTarget.Normalize(request);
        Assert.NotNull(target);
        var got = table.Match("any.test", RequestTarget.PathOf(target));
        if (winner is null) { Assert.Null(got); return; }
        var want = paths.First(p => winner.Contains(':') ? $"{p.PathType}:{p.Path}" == winner : p.Path == winner);
        Assert.Equal("default/" + want.Backend.ServiceName, got?.ServiceKey);
    }
}
