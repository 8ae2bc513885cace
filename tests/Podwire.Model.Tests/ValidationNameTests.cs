using k8s.Models;
using Podwire.Model.Validation;
using static Podwire.Model.Tests.ValidationTestKit;

namespace Podwire.Model.Tests;

public class ValidationNameTests
{
    private const string Label = NameRules.Dns1123LabelMessage;
    private const string Sub = NameRules.Dns1123SubdomainMessage;

    [Theory]
    [InlineData("a", true)]
    [InlineData("web-1", true)]
    [InlineData("123-abc", true)]
    [InlineData("-web", false)]
    [InlineData("web-", false)]
    [InlineData("Web", false)]
    [InlineData("web_1", false)]
    [InlineData("", false)]
    public void Dns1123Label(string value, bool ok) => Assert.Equal(ok, NameRules.Dns1123Label(value) is null);

    [Fact]
    public void Dns1123LabelReportsDotsAndLengthSeparately()
    {
        Assert.Equal(["must not contain dots"], NameRules.Dns1123Label("a.b"));
        Assert.Equal([NameRules.MaxLen(63)], NameRules.Dns1123Label(new string('a', 64)));
        Assert.Equal([NameRules.MaxLen(63), Label], NameRules.Dns1123Label(new string('A', 64)));
    }

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("a.b-c.d", true)]
    [InlineData("a..b", false)]
    [InlineData(".a", false)]
    [InlineData("a.", false)]
    [InlineData("a_b.com", false)]
    public void Dns1123Subdomain(string value, bool ok) => Assert.Equal(ok, NameRules.Dns1123Subdomain(value) is null);

    [Fact]
    public void SubdomainMaxLength() =>
        Assert.Equal([NameRules.MaxLen(253)], NameRules.Dns1123Subdomain(string.Join('.', Enumerable.Repeat(new string('a', 63), 4))));

    [Theory]
    [InlineData("web", true)]
    [InlineData("web-2", true)]
    [InlineData("2web", false)]
    [InlineData("web.x", false)]
    public void Dns1035Label(string value, bool ok) => Assert.Equal(ok, NameRules.Dns1035Label(value) is null);

    [Theory]
    [InlineData("app", null)]
    [InlineData("App_Name.v1", null)]
    [InlineData("example.com/app", null)]
    [InlineData("/app", "prefix part must be non-empty")]
    [InlineData("Example.com/app", "prefix part " + Sub)]
    [InlineData("-app", "name part " + NameRules.QualifiedNameMessage)]
    public void QualifiedNames(string key, string? error) =>
        Assert.Equal(error is null ? null : new List<string> { error }, NameRules.QualifiedName(key));

    [Fact]
    public void EmptyNamePartAlsoFailsTheCharsetLikeUpstream() =>
        Assert.Equal(["name part must be non-empty", "name part " + NameRules.QualifiedNameMessage], NameRules.QualifiedName("example.com/"));

    [Fact]
    public void QualifiedNameWithTwoSlashes() =>
        Assert.Equal(["a qualified name " + NameRules.QualifiedNameMessage + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
            NameRules.QualifiedName("a/b/c"));

    [Fact]
    public void QualifiedNameNamePartTooLong() =>
        Assert.Equal(["name part " + NameRules.MaxLen(63)], NameRules.QualifiedName(new string('a', 64)));

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_x-Y", true)]
    [InlineData("-x", false)]
    [InlineData("a b", false)]
    public void LabelValues(string value, bool ok) => Assert.Equal(ok, NameRules.LabelValue(value) is null);

    [Theory]
    [InlineData("http", new string[0])]
    [InlineData("serve-80-tcp", new string[0])]
    [InlineData("a-very-long-name-x", new[] { "must be no more than 15 characters" })]
    [InlineData("HTTP", new[] { "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", "must contain at least one letter (a-z)" })]
    [InlineData("8080", new[] { "must contain at least one letter (a-z)" })]
    [InlineData("a--b", new[] { "must not contain consecutive hyphens" })]
    [InlineData("-ab", new[] { "must not begin or end with a hyphen" })]
    public void IanaServiceNames(string name, string[] errors) => Assert.Equal(errors, PortRules.PortName(name) ?? []);

    [Fact]
    public void WildcardHosts()
    {
        Assert.Null(NameRules.WildcardDns1123Subdomain("*.example.com"));
        Assert.Equal([NameRules.WildcardMessage], NameRules.WildcardDns1123Subdomain("*"));
        Assert.Equal([NameRules.WildcardMessage], NameRules.WildcardDns1123Subdomain("foo.*.com"));
        Assert.Equal([NameRules.WildcardMessage], NameRules.WildcardDns1123Subdomain("*foo.com"));
    }

    [Fact]
    public void QuoteEscapesLikeGo() => Assert.Equal("\"a\\\"b\\n\"", FieldErrors.Quote("a\"b\n"));

    [Fact]
    public void MetadataNameIsRequired() =>
        Assert.Equal(["metadata.name: Required value"], Problems(new V1ServiceAccount { Metadata = new V1ObjectMeta { NamespaceProperty = "prod" } }));

    [Fact]
    public void GenerateNameIsNotSupported() =>
        Assert.Equal(["metadata.generateName: Forbidden: generateName is not supported: Podwire needs a fixed metadata.name"],
            Problems(new V1ServiceAccount { Metadata = new V1ObjectMeta { GenerateName = "build-" } }));

    [Fact]
    public void NameGrammarDependsOnKind()
    {
        Assert.Empty(Problems(new V1ServiceAccount { Metadata = Meta("sa.v1") }));
        Assert.Equal(["metadata.name: Invalid value: \"prod.v1\": must not contain dots"], Problems(new V1Namespace { Metadata = Meta("prod.v1", null) }));
        Assert.Equal(["metadata.name: Invalid value: \"1web\": " + NameRules.Dns1035LabelMessage],
            Problems(new V1Service { Metadata = Meta("1web"), Spec = new V1ServiceSpec { ClusterIP = "None" } }));
        Assert.Equal(["metadata.name: Invalid value: \"Foo_bar\": " + Sub], Problems(new V1ServiceAccount { Metadata = Meta("Foo_bar") }));
    }

    [Fact]
    public void NamespaceIsALabelAndForbiddenOnClusterScopedKinds()
    {
        Assert.Equal(["metadata.namespace: Invalid value: \"Prod\": " + Label], Problems(new V1ServiceAccount { Metadata = Meta("sa", "Prod") }));
        Assert.Equal(["metadata.namespace: Forbidden: not allowed on this type"], Problems(new V1Namespace { Metadata = Meta("prod", "prod") }));
    }

    [Fact]
    public void LabelsAndAnnotationsReportEveryBadEntryInKeyOrder()
    {
        var sa = new V1ServiceAccount
        {
            Metadata = new V1ObjectMeta
            {
                Name = "sa",
                Labels = new Dictionary<string, string> { ["z/"] = "ok", ["app"] = "bad value", ["ok"] = new string('v', 64) },
                Annotations = new Dictionary<string, string> { ["Example.COM/Note"] = "any text is fine", ["bad key!"] = "" },
            },
        };
        Assert.Equal(
        [
            "metadata.labels: Invalid value: \"bad value\": " + NameRules.LabelValueMessage,
            "metadata.labels: Invalid value: \"" + new string('v', 64) + "\": must be no more than 63 characters",
            "metadata.labels: Invalid value: \"z/\": name part must be non-empty",
            "metadata.labels: Invalid value: \"z/\": name part " + NameRules.QualifiedNameMessage,
            "metadata.annotations: Invalid value: \"bad key!\": name part " + NameRules.QualifiedNameMessage,
        ], Problems(sa));
    }
}
