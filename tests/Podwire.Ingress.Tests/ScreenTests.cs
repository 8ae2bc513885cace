using Podwire.Ingress.Routing;

namespace Podwire.Ingress.Tests;

public sealed class ScreenTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/foo/bar-baz_1.2~x")]
    [InlineData("/a%2Fb/@user:1/+!,=")]
    [InlineData("")]
    public void Ordinary_paths_pass(string path) => Assert.Null(IngressScreen.PathProblem(path));

    [Theory]
    [InlineData("/a{b", "'{'")]
    [InlineData("/a}", "'}'")]
    [InlineData("/a;b", "';'")]
    [InlineData("/$uri", "'$'")]
    [InlineData("/'x'", "'''")]
    [InlineData("/\"x", "'\"'")]
    [InlineData("/a\nb", "'\\n'")]
    [InlineData("/a#b", "'#'")]
    [InlineData("/a\\b", "'\\'")]
    [InlineData("/a b", "' '")]
    [InlineData("/a%zz", "'%'")]
    [InlineData("/é", "U+00E9")]
    [InlineData("foo", "must start with '/'")]
    public void Hostile_paths_are_named(string path, string expected) => Assert.Contains(expected, IngressScreen.PathProblem(path));

    [Theory]
    [InlineData("foo.com", null)]
    [InlineData("*.foo.com", null)]
    [InlineData("a-1.b2.c", null)]
    [InlineData("foo.com;", "';'")]
    [InlineData("Foo.com", "'F'")]
    [InlineData("*", "a wildcard needs a suffix")]
    [InlineData("*.", "a wildcard needs a suffix")]
    [InlineData("a..b", "empty DNS label")]
    [InlineData("a.*.b", "'*'")]
    public void Hosts(string host, string? expected)
    {
        var problem = IngressScreen.HostProblem(host);
        if (expected is null) Assert.Null(problem);
        else Assert.Contains(expected, problem);
    }

    [Theory]
    [InlineData("nginx.ingress.kubernetes.io/server-snippet", "x", "snippets are not accepted")]
    [InlineData("nginx.ingress.kubernetes.io/rewrite-target", "/$1", "'$'")]
    [InlineData("nginx.ingress.kubernetes.io/auth-url", "http://a/ proxy_pass x", "proxy_pass")]
    [InlineData("nginx.ingress.kubernetes.io/rewrite-target", "/", null)]
    [InlineData("example.com/anything", "{ ; $ }", null)]
    public void Annotations(string key, string value, string? expected)
    {
        var problem = IngressScreen.AnnotationProblem(key, value);
        if (expected is null) Assert.Null(problem);
        else Assert.Contains(expected, problem);
    }
}
