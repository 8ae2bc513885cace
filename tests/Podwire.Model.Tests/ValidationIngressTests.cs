using k8s.Models;
using Podwire.Model.Validation;
using static Podwire.Model.Tests.ValidationTestKit;

namespace Podwire.Model.Tests;

public class ValidationIngressTests
{
    private const string P0 = "spec.rules[0].http.paths[0]";

    [Fact]
    public void ValidIngressHasNoProblems() => Assert.Empty(Problems(Ingress()));

    [Fact]
    public void PathTypeIsRequiredAndKnown()
    {
        Assert.Equal([P0 + ".pathType: Required value: pathType must be specified"],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].PathType = null)));
        Assert.Equal([P0 + ".pathType: Unsupported value: \"Regex\": supported values: \"Exact\", \"Prefix\", \"ImplementationSpecific\""],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].PathType = "Regex")));
    }

    [Theory]
    [InlineData("Exact", "api", "must be an absolute path")]
    [InlineData("Prefix", "", "must be an absolute path")]
    [InlineData("Prefix", "/a//b", "must not contain '//'")]
    [InlineData("Exact", "/a/..", "cannot end with '/..'")]
    [InlineData("ImplementationSpecific", "api", "must be an absolute path")]
    public void PathsMustBeAbsolute(string type, string path, string error) =>
        Assert.Equal([$"{P0}.path: Invalid value: \"{path}\": {error}"], Problems(Ingress(s => { s.Rules[0].Http.Paths[0].PathType = type; s.Rules[0].Http.Paths[0].Path = path; })));

    [Fact]
    public void ImplementationSpecificMayOmitThePath() =>
        Assert.Empty(Problems(Ingress(s => { s.Rules[0].Http.Paths[0].PathType = "ImplementationSpecific"; s.Rules[0].Http.Paths[0].Path = null; })));

    [Theory]
    [InlineData("*.example.com", null)]
    [InlineData("foo.bar.com", null)]
    [InlineData("*", NameRules.WildcardMessage)]
    [InlineData("*.*.example.com", NameRules.WildcardMessage)]
    [InlineData("foo*.example.com", NameRules.WildcardMessage)]
    [InlineData("10.0.0.1", "must be a DNS name, not an IP address")]
    [InlineData("example.com:8080", NameRules.Dns1123SubdomainMessage)]
    [InlineData("Example.com", NameRules.Dns1123SubdomainMessage)]
    public void Hosts(string host, string? error)
    {
        var expected = error is null ? Array.Empty<string>() : [$"spec.rules[0].host: Invalid value: \"{host}\": {error}"];
        Assert.Equal(expected, Problems(Ingress(s => s.Rules[0].Host = host)));
    }

    [Fact]
    public void TlsHostsFollowTheSameRules() =>
        Assert.Equal(
        [
            "spec.tls[0].hosts[1]: Invalid value: \"*\": " + NameRules.WildcardMessage,
            "spec.tls[0].hosts[2]: Invalid value: \"192.0.2.1\": must be a DNS name, not an IP address",
        ], Problems(Ingress(s => s.Tls = [new V1IngressTLS { Hosts = ["*.example.com", "*", "192.0.2.1"], SecretName = "shop-tls" }])));

    [Fact]
    public void BackendIsExactlyOneOfServiceOrResource()
    {
        var both = new V1IngressBackend { Service = ServiceBackend("web", 80).Service, Resource = new V1TypedLocalObjectReference { Kind = "Bucket", Name = "static" } };
        Assert.Equal([P0 + ".backend: Invalid value: \"\": cannot set both resource and service backends"],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].Backend = both)));
        Assert.Equal([P0 + ".backend: Invalid value: \"\": resource or service backend is required"],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].Backend = new V1IngressBackend())));
        Assert.Equal([P0 + ".backend.resource.name: Required value"],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].Backend = new V1IngressBackend { Resource = new V1TypedLocalObjectReference { Kind = "Bucket" } })));
    }

    [Fact]
    public void ServiceBackendPort()
    {
        Assert.Equal([P0 + ".backend: Invalid value: \"\": cannot set both port name & port number"],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].Backend = ServiceBackend("web", 80, "http"))));
        Assert.Equal([P0 + ".backend: Required value: port name or number is required"],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].Backend = ServiceBackend("web"))));
        Assert.Equal([P0 + ".backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive"],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].Backend = ServiceBackend("web", 70000))));
        Assert.Equal(
        [
            P0 + ".backend.service.port.name: Invalid value: \"HTTP\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            P0 + ".backend.service.port.name: Invalid value: \"HTTP\": must contain at least one letter (a-z)",
        ],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].Backend = ServiceBackend("web", null, "HTTP"))));
        Assert.Equal([P0 + ".backend.service.name: Required value"],
            Problems(Ingress(s => s.Rules[0].Http.Paths[0].Backend = ServiceBackend("", 80))));
    }

    [Fact]
    public void NoRulesNeedsADefaultBackend()
    {
        Assert.Equal(["spec.rules: Required value: either `defaultBackend` or `rules` must be specified"], Problems(Ingress(s => s.Rules = null)));
        Assert.Empty(Problems(Ingress(s => { s.Rules = null; s.DefaultBackend = ServiceBackend("fallback", 8080); })));
    }

    [Fact]
    public void HttpRuleNeedsPaths() =>
        Assert.Equal(["spec.rules[0].http.paths: Required value"], Problems(Ingress(s => s.Rules[0].Http.Paths = [])));

    [Fact]
    public void IngressClassName() =>
        Assert.Equal(["spec.ingressClassName: Invalid value: \"Podwire\": " + NameRules.Dns1123SubdomainMessage],
            Problems(Ingress(s => s.IngressClassName = "Podwire")));

    [Theory]
    [InlineData("podwire.io/ingress", null)]
    [InlineData("k8s.io/ingress-nginx", null)]
    [InlineData("", "spec.controller: Required value")]
    [InlineData("ingress-nginx", "spec.controller: Invalid value: \"ingress-nginx\": must be a domain-prefixed path (such as \"acme.io/foo\")")]
    [InlineData("podwire.io/", "spec.controller: Invalid value: \"podwire.io/\": must be a domain-prefixed path (such as \"acme.io/foo\")")]
    [InlineData("Podwire.io/ingress", "spec.controller: Invalid value: \"Podwire.io\": " + NameRules.Dns1123SubdomainMessage)]
    [InlineData("podwire.io/in gress", "spec.controller: Invalid value: \"in gress\": Invalid path")]
    public void IngressClassController(string controller, string? error)
    {
        var cls = new V1IngressClass { Metadata = Meta("podwire", null), Spec = new V1IngressClassSpec { Controller = controller } };
        Assert.Equal(error is null ? [] : [error], Problems(cls));
    }

    [Fact]
    public void IngressClassControllerLength()
    {
        var controller = "podwire.io/" + new string('x', 240);
        var cls = new V1IngressClass { Metadata = Meta("podwire", null), Spec = new V1IngressClassSpec { Controller = controller } };
        Assert.Equal(["spec.controller: Too long: may not be more than 250 bytes"], Problems(cls));
    }
}
