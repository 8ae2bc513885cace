using Podwire.Model;
using Podwire.Policy.Engine;

namespace Podwire.Policy.Tests;

/// <summary>The SPECS 1.4 precedence table: testdata/policy/anp/&lt;row&gt;, probing ingress at x/a from y/a (and all pairs).</summary>
public class AdminPrecedenceTests
{
    private static (Verdict Verdict, PolicyEngine Engine) Row(string row)
    {
        var (cluster, engine) = GoldenRunner.Check(Fixtures.TestData("policy", "anp", row), Fixtures.TestData("policy", "e2e", "cluster.yaml"));
        var v = engine.Reach(NetEndpoint.Of(cluster.FindPod("y", "a")!), NetEndpoint.Of(cluster.FindPod("x", "a")!), 80, Protocol.TCP);
        return (v, engine);
    }

    [Fact]
    public void LowerPriorityNumberWins()
    {
        var (v, _) = Row("1-lower-priority-number-wins");
        Assert.True(v.Allowed);
        Assert.Equal(DecidedBy.AdminNetworkPolicy, v.Ingress.DecidedBy);
        Assert.Equal("allow-5", v.Ingress.AdminRule!.Policy);
        Assert.Equal(5, v.Ingress.AdminRule.Priority);
        Assert.Equal(0, v.Ingress.AdminRule.RuleIndex);
        Assert.True(v.Ingress.Isolated); // NetworkPolicy isolates, but the ANP decided first
    }

    [Fact]
    public void PassSkipsRemainingAnpRulesAndBaselineDenies()
    {
        var (v, _) = Row("2-pass-skips-anp-deny-banp-denies");
        Assert.False(v.Allowed);
        Assert.Equal(DecidedBy.BaselineAdminNetworkPolicy, v.Ingress.DecidedBy);
        Assert.Equal("default", v.Ingress.AdminRule!.Policy);
        Assert.Equal("pass-5", Assert.Single(v.Ingress.PassedBy).Policy);
        Assert.True(v.Egress.Allowed);
    }

    [Fact]
    public void PassThenNetworkPolicyAllows()
    {
        var (v, _) = Row("3-pass-then-np-allows");
        Assert.True(v.Allowed);
        Assert.Equal(DecidedBy.NetworkPolicy, v.Ingress.DecidedBy);
        Assert.Equal("x/np-from-y rule 0", Assert.Single(v.Ingress.AllowedBy).ToString());
    }

    [Fact]
    public void PassThenNetworkPolicyIsolationIsFinal()
    {
        var (v, _) = Row("4-pass-then-np-isolates-banp-ignored");
        Assert.False(v.Allowed);
        Assert.Equal(DecidedBy.NetworkPolicy, v.Ingress.DecidedBy);
        Assert.Empty(v.Ingress.AllowedBy);
        Assert.Equal(["x/np-from-z"], v.Ingress.IsolatingPolicies);
    }

    [Fact]
    public void NothingMatchesAllows()
    {
        var (v, _) = Row("5-nothing-matches");
        Assert.True(v.Allowed);
        Assert.Equal(DecidedBy.NotIsolated, v.Ingress.DecidedBy);
        Assert.False(v.Ingress.Isolated);
    }

    [Fact]
    public void AnpAllowOverridesNetworkPolicyIsolation()
    {
        var (v, engine) = Row("6-anp-allow-overrides-np-isolation");
        Assert.True(v.Allowed);
        Assert.Equal(DecidedBy.AdminNetworkPolicy, v.Ingress.DecidedBy);
        Assert.Equal("allow-y", v.Ingress.AdminRule!.RuleName);
        var c = engine.Cluster;
        var denied = engine.Reach(NetEndpoint.Of(c.FindPod("z", "a")!), NetEndpoint.Of(c.FindPod("x", "a")!), 80, Protocol.TCP);
        Assert.False(denied.Allowed);
        Assert.Equal(DecidedBy.NetworkPolicy, denied.Ingress.DecidedBy);
        Assert.StartsWith("denied: ingress to x/a: denied: isolated by NetworkPolicy x/deny-ingress", denied.Reason);
    }
}
