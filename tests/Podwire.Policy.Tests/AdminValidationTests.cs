using Podwire.Model;
using Podwire.Policy.Admin;

namespace Podwire.Policy.Tests;

/// <summary>ANP/BANP admission rules (SPECS 1.4): every problem reported, with its field.</summary>
public class AdminValidationTests
{
    private static List<Problem> Problems(string kind, string name, string spec)
    {
        var json = """{"apiVersion":"policy.networking.k8s.io/v1alpha1","kind":"@kind@","metadata":{"name":"@name@"},"spec":@spec@}"""
            .Replace("@kind@", kind).Replace("@name@", name).Replace("@spec@", Fill(spec));
        var problems = new List<Problem>();
        var list = AdminPolicyReader.ReadAll([new RawObject(AdminPolicy.ApiVersion, kind, null, name, json, new SourceLocation("t.yaml", 3))], problems);
        Assert.Single(list);
        return problems;
    }

    private static string Fill(string s) => s.Replace("@Subject@", Subject).Replace("@Peer@", Peer);

    private static string Fields(List<Problem> ps) => string.Join(" | ", ps.Select(p => p.Field));

    private const string Subject = """{"namespaces":{"matchLabels":{"ns":"x"}}}""";
    private const string Peer = """{"namespaces":{}}""";

    [Fact]
    public void ValidAnpHasNoProblems()
    {
        var ps = Problems("AdminNetworkPolicy", "ok", """
            {"priority":0,"subject":{"pods":{"namespaceSelector":{},"podSelector":{"matchExpressions":[{"key":"app","operator":"Exists"}]}}},
             "ingress":[{"name":"a","action":"Pass","from":[@Peer@],"ports":[{"portNumber":{"protocol":"UDP","port":53}},{"namedPort":"dns"},{"portRange":{"start":1,"end":1024}}]}],
             "egress":[{"action":"Deny","to":[{"networks":["10.0.0.0/8","fd00::/8"]},{"nodes":{}}]}]}
            """);
        Assert.Empty(ps);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void PriorityOutOfRange(int prio)
    {
        var ps = Problems("AdminNetworkPolicy", "p", """{"priority":@prio@,"subject":@Subject@}""".Replace("@prio@", prio.ToString()));
        var p = Assert.Single(ps);
        Assert.Equal("spec.priority", p.Field);
        Assert.Equal($"t.yaml:3: AdminNetworkPolicy p: spec.priority: {prio} is out of range 0-1000", p.ToString());
    }

    [Fact]
    public void PriorityRequired() =>
        Assert.Equal("spec.priority", Assert.Single(Problems("AdminNetworkPolicy", "p", """{"subject":@Subject@}""")).Field);

    [Fact]
    public void BaselineMustBeNamedDefaultAndHasNoPass()
    {
        var ps = Problems("BaselineAdminNetworkPolicy", "mine", """{"subject":@Subject@,"ingress":[{"action":"Pass","from":[@Peer@]}]}""");
        Assert.Equal("metadata.name | spec.ingress[0].action", Fields(ps));
        Assert.Contains("Pass is not allowed", ps[1].Message);
    }

    [Fact]
    public void SubjectExactlyOne()
    {
        Assert.Equal("spec.subject", Assert.Single(Problems("AdminNetworkPolicy", "p", """{"priority":1,"subject":{}}""")).Field);
        Assert.Equal("spec.subject", Assert.Single(Problems("AdminNetworkPolicy", "p",
            """{"priority":1,"subject":{"namespaces":{},"pods":{"namespaceSelector":{},"podSelector":{}}}}""")).Field);
    }

    [Fact]
    public void PeerCountsAndRuleCounts()
    {
        var many = string.Join(",", Enumerable.Repeat(Peer, 101));
        var rules = string.Join(",", Enumerable.Repeat(Fill("""{"action":"Allow","to":[@Peer@]}"""), 101));
        var ps = Problems("AdminNetworkPolicy", "p", """
            {"priority":1,"subject":@Subject@,"ingress":[{"action":"Allow","from":[]},{"action":"Deny","from":[@many@]}],"egress":[@rules@]}
            """.Replace("@many@", many).Replace("@rules@", rules));
        Assert.Equal("spec.ingress[0].from | spec.ingress[1].from | spec.egress", Fields(ps));
    }

    [Fact]
    public void ActionsAndPeersAndPorts()
    {
        var ps = Problems("AdminNetworkPolicy", "p", """
            {"priority":1,"subject":@Subject@,
             "ingress":[{"action":"Reject","from":[{"namespaces":{},"pods":{"namespaceSelector":{},"podSelector":{}}},{"networks":["10.0.0.0/8"]}]}],
             "egress":[{"action":"Allow","to":[{"networks":["10.0.0.0/33","bogus"]}],
                        "ports":[{"portNumber":{"port":0}},{"portRange":{"protocol":"TCP","start":90,"end":80}},{"namedPort":"a","portNumber":{"port":80}},{}]}]}
            """);
        Assert.Equal(string.Join(" | ",
            "spec.ingress[0].action",
            "spec.ingress[0].from[0]",
            "spec.ingress[0].from[1].networks",
            "spec.egress[0].to[0].networks[0]",
            "spec.egress[0].to[0].networks[1]",
            "spec.egress[0].ports[0].portNumber.port",
            "spec.egress[0].ports[1].portRange.end",
            "spec.egress[0].ports[2]",
            "spec.egress[0].ports[3]"), Fields(ps));
    }

    [Fact]
    public void ShapeErrorsAreReportedNotThrown()
    {
        var ps = Problems("AdminNetworkPolicy", "p", """
            {"priority":"high","subject":{"namespaces":{"matchExpressions":[{"key":"a","operator":"Near","values":["b"]}]}},
             "ingress":[{"action":"Allow","from":[{"namespaces":{}}],"ports":[{"portNumber":{"protocol":"ICMP","port":1}}]}]}
            """);
        Assert.Equal("spec.priority | spec.subject.namespaces.matchExpressions[0].operator | spec.ingress[0].ports[0].portNumber.protocol | spec.priority", Fields(ps));
    }

    [Fact]
    public void AnpsAreOrderedByPriorityThenNameAndBaselineLast()
    {
        RawObject Obj(string kind, string name, int prio) => new(AdminPolicy.ApiVersion, kind, null, name,
            Fill("""{"metadata":{"name":"@name@"},"spec":{"priority":@prio@,"subject":@Subject@}}""").Replace("@name@", name).Replace("@prio@", prio.ToString()),
            SourceLocation.Generated);
        var list = AdminPolicyReader.ReadAll([
            Obj("BaselineAdminNetworkPolicy", "default", 0), Obj("AdminNetworkPolicy", "b", 5), Obj("AdminNetworkPolicy", "a", 5), Obj("AdminNetworkPolicy", "c", 1),
            new RawObject("v1", "ConfigMap", "x", "cm", "{}", SourceLocation.Generated)], []);
        Assert.Equal(["c", "a", "b", "default"], list.Select(p => p.Name));
    }
}
