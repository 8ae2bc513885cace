using Podwire.Model;
using Podwire.Semantics.Ingress;
using static Podwire.Semantics.Tests.Build;

namespace Podwire.Semantics.Tests;

public sealed class IngressRouterTests
{
    private static readonly IngressClass Ours = Class("podwire", IngressClassSelector.Controller);
    private static readonly IngressClass Nginx = Class("nginx", "k8s.io/ingress-nginx");

    private static Podwire.Model.Ingress Simple(string ns, string name, string? host, string svc, string? className = null, Labels? annotations = null) =>
        Ing(ns, name, [Rule(host, Path("/", PathType.Prefix, Backend(svc, 80)))], className: className, annotations: annotations);

    [Fact]
    public void Routes_to_the_backend_service_and_port()
    {
        var cluster = Cluster([], ingresses: [Ing("shop", "web", [Rule("shop.example", Path("/api", PathType.Prefix, Backend("api", "http")))])]);
        var r = IngressRouter.Route(cluster, "shop.example", "/api/v1/items?page=2");
        Assert.Equal("shop/web", r.Ingress);
        Assert.Equal("shop/api", r.ServiceKey);
        Assert.Equal(PortRef.Named("http"), r.Port);
        Assert.False(r.Tls);
        Assert.Contains("/api", r.Explanation);
    }

    [Fact]
    public void No_match_and_no_default_backend_is_404()
    {
        var r = IngressRouter.Route([Simple("a", "x", "foo.com", "s")], [], "bar.com", "/");
        Assert.Null(r.Ingress);
        Assert.Null(r.ServiceKey);
        Assert.Null(r.Port);
        Assert.Contains("404", r.Explanation);
    }

    [Theory]
    [InlineData("podwire", null, true)]
    [InlineData("nginx", null, false)]
    [InlineData("missing", null, false)]
    [InlineData(null, "podwire", true)]
    [InlineData(null, "nginx", false)]
    public void Class_selection_by_name_and_annotation(string? className, string? annotation, bool served)
    {
        var ann = annotation is null ? null : Labels.Of((Podwire.Model.Ingress.ClassAnnotation, annotation));
        var ing = Simple("a", "x", "foo.com", "s", className, ann);
        var r = IngressRouter.Route([ing], [Ours, Nginx], "foo.com", "/");
        Assert.Equal(served ? "a/x" : null, r.Ingress);
    }

    [Fact]
    public void Legacy_annotation_podwire_works_without_a_class_object_of_that_name()
    {
        var ing = Simple("a", "x", "foo.com", "s", annotations: Labels.Of((Podwire.Model.Ingress.ClassAnnotation, "podwire")));
        Assert.Equal("a/x", IngressRouter.Route([ing], [Nginx], "foo.com", "/").Ingress);
    }

    [Fact]
    public void Classless_ingress_follows_the_default_class()
    {
        var ing = Simple("a", "x", "foo.com", "s");
        Assert.Equal("a/x", IngressRouter.Route([ing], [Ours with { IsDefault = true }, Nginx], "foo.com", "/").Ingress);
        Assert.Null(IngressRouter.Route([ing], [Ours, Nginx with { IsDefault = true }], "foo.com", "/").Ingress);
        Assert.Null(IngressRouter.Route([ing], [Ours, Nginx], "foo.com", "/").Ingress);
    }

    [Fact]
    public void Without_any_ingress_class_every_ingress_is_ours()
    {
        var ing = Simple("a", "x", "foo.com", "s", className: "whatever");
        Assert.Equal("a/x", IngressRouter.Route([ing], [], "foo.com", "/").Ingress);
    }

    [Fact]
    public void Exact_host_beats_wildcard_and_catch_all()
    {
        var ings = new[]
        {
            Simple("a", "catchall", null, "any"),
            Simple("a", "wild", "*.foo.com", "wild"),
            Simple("a", "exact", "bar.foo.com", "exact"),
        };
        Assert.Equal("a/exact", IngressRouter.Route(ings, [], "bar.foo.com", "/x").ServiceKey);
        Assert.Equal("a/wild", IngressRouter.Route(ings, [], "baz.foo.com", "/x").ServiceKey);
        Assert.Equal("a/any", IngressRouter.Route(ings, [], "a.b.foo.com", "/x").ServiceKey);
        Assert.Equal("a/exact", IngressRouter.Route(ings, [], "BAR.FOO.COM:80", "/x").ServiceKey);
    }

    [Fact]
    public void Falls_back_to_wildcard_when_exact_host_rules_match_no_path()
    {
        var ings = new[]
        {
            Ing("a", "exact", [Rule("bar.foo.com", Path("/api", PathType.Prefix, Backend("api", 80)))]),
            Simple("a", "wild", "*.foo.com", "wild"),
        };
        Assert.Equal("a/api", IngressRouter.Route(ings, [], "bar.foo.com", "/api").ServiceKey);
        Assert.Equal("a/wild", IngressRouter.Route(ings, [], "bar.foo.com", "/web").ServiceKey);
    }

    [Fact]
    public void Paths_merge_across_ingresses_for_one_host()
    {
        var ings = new[]
        {
            Ing("b", "root", [Rule("foo.com", Path("/", PathType.Prefix, Backend("root", 80)))]),
            Ing("a", "api", [Rule("foo.com", Path("/api", PathType.Prefix, Backend("api", 8080)))]),
        };
        var api = IngressRouter.Route(ings, [], "foo.com", "/api/x");
        Assert.Equal(("a/api", "a/api", 8080), (api.Ingress, api.ServiceKey, api.Port!.Value.Number));
        Assert.Equal("b/root", IngressRouter.Route(ings, [], "foo.com", "/other").Ingress);
    }

    [Fact]
    public void Identical_paths_in_two_ingresses_go_to_the_first_by_namespace_then_name()
    {
        var ings = new[]
        {
            Simple("b", "a", "foo.com", "fromB"),
            Simple("a", "z", "foo.com", "fromAz"),
            Simple("a", "y", "foo.com", "fromAy"),
        };
        Assert.Equal("a/y", IngressRouter.Route(ings, [], "foo.com", "/").Ingress);
    }

    [Fact]
    public void Unmatched_host_goes_to_the_default_backend_of_an_ingress_with_rules()
    {
        // SPECS 4: "If no path matches, or no host matches, the request goes to spec.defaultBackend."
        var ing = Ing("b", "foo", [Rule("foo.com", Path("/", PathType.Prefix, Backend("web", 80)))], defaultBackend: Backend("fallback", 8080));
        var r = IngressRouter.Route([ing], [], "unknown.org", "/x");
        Assert.Equal("b/foo", r.Ingress);
        Assert.Equal("b/fallback", r.ServiceKey);
        Assert.Equal(PortRef.Of(8080), r.Port);
    }

    [Fact]
    public void Default_backend_of_the_ingress_with_the_host_then_of_rule_less_ingresses()
    {
        var ings = new[]
        {
            Ing("a", "global", [], defaultBackend: Backend("global", 80)),
            Ing("b", "foo", [Rule("foo.com", Path("/api", PathType.Exact, Backend("api", 80)))], defaultBackend: Backend("foo-default", 80)),
        };
        Assert.Equal("b/foo-default", IngressRouter.Route(ings, [], "foo.com", "/nope").ServiceKey);
        Assert.Equal("a/global", IngressRouter.Route(ings, [], "other.com", "/nope").ServiceKey);
        Assert.Null(IngressRouter.Route(ings, [], "foo.com", "/nope").MatchedPath);
    }

    [Fact]
    public void Resource_backend_has_an_ingress_but_no_service()
    {
        var ing = Ing("a", "r", [Rule("foo.com", Path("/static", PathType.Prefix, new IngressBackend(null, null, "StorageBucket", "assets")))]);
        var r = IngressRouter.Route([ing], [], "foo.com", "/static/x.png");
        Assert.Equal("a/r", r.Ingress);
        Assert.Null(r.ServiceKey);
        Assert.Contains("StorageBucket/assets", r.Explanation);
    }

    [Theory]
    [InlineData("foo.com", true)]
    [InlineData("bar.wild.com", true)]
    [InlineData("a.bar.wild.com", false)]
    [InlineData("other.com", false)]
    public void Tls_flag_follows_tls_hosts(string host, bool tls)
    {
        var ings = new[]
        {
            Ing("a", "t", [Rule(null, Path("/", PathType.Prefix, Backend("s", 80)))],
                tls: [new IngressTls(["foo.com"], "foo-cert"), new IngressTls(["*.wild.com"], "wild-cert")]),
        };
        var r = IngressRouter.Route(ings, [], host, "/", tls: true);
        Assert.Equal(tls, r.Tls);
        Assert.Equal("a/s", r.ServiceKey);
        Assert.Contains(tls ? "certificate of Ingress a/t" : "default certificate", r.Explanation);
    }

    [Fact]
    public void Tls_of_an_ingress_not_ours_does_not_count()
    {
        var ing = Ing("a", "t", [Rule("foo.com", Path("/", PathType.Prefix, Backend("s", 80)))], className: "nginx",
            tls: [new IngressTls(["foo.com"], "c")]);
        Assert.False(IngressRouter.Route([ing], [Ours, Nginx], "foo.com", "/").Tls);
    }
}
