using CsCheck;
using Podwire.Ingress.Routing;
using Podwire.Model;
using Podwire.Semantics.Ingress;
using IngressObject = Podwire.Model.Ingress;

namespace Podwire.Ingress.Tests;

/// <summary>The compiled route table decides exactly as IngressRouter (the reference semantics) does.</summary>
public sealed class RouteTableTests
{
    private static readonly string?[] RuleHosts = [null, "foo.com", "bar.foo.com", "*.foo.com", "Foo.COM", "x.bar.foo.com", "*.bar.foo.com", "other.org"];
    private static readonly string[] RulePaths = ["/", "/foo", "/foo/", "/foo/bar", "/aaa", "/aaa/bbb", "/aaa/bbb/", "/aaa/bb"];
    private static readonly string[] RequestHosts =
        ["foo.com", "FOO.com:8080", "bar.foo.com", "bar.foo.com.", "baz.bar.foo.com", "x.bar.foo.com", "y.x.bar.foo.com", ".foo.com", "", " Foo.Com ", "[::1]:80", "other.org", "nope.net", "a:b:c"];
    private static readonly string[] RequestPaths =
        ["/", "/foo", "/foo/", "/foobar", "/foo/bar?x=1", "/aaa/bbb/ccc", "/aaa/bbbxyz", "/Foo", "/aaa#frag", "", "/aaa/bb", "?q"];

    private static readonly Gen<IngressBackend> GenBackend = Gen.OneOf(
        Gen.Select(Gen.Int[1, 3], Gen.Bool, (s, named) => new IngressBackend("s" + s, named ? PortRef.Named("http") : PortRef.Of(80), null, null)),
        Gen.Const(new IngressBackend(null, null, "StorageBucket", "static")));

    private static readonly Gen<IngressPath> GenPath =
        Gen.Select(Gen.Int[0, RulePaths.Length - 1], Gen.Enum<PathType>(), GenBackend, (p, t, b) =>
            new IngressPath(t == PathType.ImplementationSpecific && p == 0 ? "" : RulePaths[p], t, b));

    private static readonly Gen<IngressRule> GenRule =
        Gen.Select(Gen.Int[0, RuleHosts.Length - 1], GenPath.List[0, 3], (h, paths) => new IngressRule(RuleHosts[h], paths));

    private static readonly Gen<List<IngressObject>> GenIngresses =
        Gen.Select(GenRule.List[0, 3], GenBackend, Gen.Bool, Gen.Int[0, 1], (rules, dflt, hasDefault, ns) => (rules, dflt: hasDefault ? dflt : null, ns))
            .List[0, 4]
            .Select(list => list.Select((x, i) => new IngressObject("ns" + x.ns, "ing" + i, Labels.Empty, Labels.Empty, null, x.dflt, x.rules, [], SourceLocation.Generated)).ToList());

    [Fact]
    public void Matches_IngressRouter_on_random_ingresses_and_requests()
    {
        Gen.Select(GenIngresses, Gen.Int[0, RequestHosts.Length - 1], Gen.Int[0, RequestPaths.Length - 1]).Sample((ingresses, h, p) =>
        {
            var ours = IngressClassSelector.Ours(ingresses, []);
            var table = RouteTable.Build(ours, static (_, _) => null);
            var want = IngressRouter.Route(ingresses, [], RequestHosts[h], RequestPaths[p]);
            var got = table.Match(RequestHosts[h], RequestPaths[p]);
            return want.Ingress == got?.Ingress && want.ServiceKey == got?.ServiceKey && want.Port == got?.Port;
        }, iter: 20_000);
    }

    [Fact]
    public void Specs_host_vectors()
    {
        var ing = new IngressObject("default", "h", Labels.Empty, Labels.Empty, null, null,
            [new IngressRule("*.foo.com", [new IngressPath("/", PathType.Prefix, new IngressBackend("wild", PortRef.Of(80), null, null))]),
             new IngressRule("foo.bar.com", [new IngressPath("/", PathType.Prefix, new IngressBackend("exact", PortRef.Of(80), null, null))])],
            [], SourceLocation.Generated);
        var table = RouteTable.Build([ing], static (_, _) => null);
        Assert.Equal("default/wild", table.Match("bar.foo.com", "/")?.ServiceKey);
        Assert.Null(table.Match("baz.bar.foo.com", "/"));
        Assert.Null(table.Match("foo.com", "/"));
        Assert.Equal("default/exact", table.Match("foo.bar.com", "/")?.ServiceKey);
        Assert.Equal("default/exact", table.Match("FOO.BAR.COM:443", "/x")?.ServiceKey);
        Assert.Null(table.Match("x.foo.bar.com", "/"));
    }

    [Fact]
    public void Matching_allocates_nothing()
    {
        var ing = new IngressObject("default", "h", Labels.Empty, Labels.Empty, null, null,
            [new IngressRule("*.foo.com", [new IngressPath("/api", PathType.Prefix, new IngressBackend("api", PortRef.Of(80), null, null)),
                                           new IngressPath("/", PathType.Prefix, new IngressBackend("web", PortRef.Of(80), null, null))])],
            [], SourceLocation.Generated);
        var table = RouteTable.Build([ing], static (_, _) => null);
        table.Match("www.Foo.com:8080", "/api/v1");
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) table.Match("www.Foo.com:8080", "/api/v1");
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
