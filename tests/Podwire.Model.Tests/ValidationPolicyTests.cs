using k8s.Models;
using Podwire.Model.Validation;
using static Podwire.Model.Tests.ValidationTestKit;

namespace Podwire.Model.Tests;

public class ValidationPolicyTests
{
    private static V1NetworkPolicy WithPeer(V1NetworkPolicyPeer peer) => Policy(s => s.Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [peer] }]);
    private static V1NetworkPolicy WithPort(V1NetworkPolicyPort port) => Policy(s => s.Ingress = [new V1NetworkPolicyIngressRule { Ports = [port] }]);
    private static V1NetworkPolicy WithBlock(string cidr, params string[] except) => WithPeer(new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = cidr, Except = except } });

    [Fact]
    public void ValidPolicyHasNoProblems() => Assert.Empty(Problems(Policy()));

    [Fact]
    public void PeerNeedsAField() =>
        Assert.Equal(["spec.ingress[0].from[0]: Required value: must specify a peer"], Problems(WithPeer(new V1NetworkPolicyPeer())));

    [Fact]
    public void IpBlockMustBeAlone() =>
        Assert.Equal(["spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer"],
            Problems(WithPeer(new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "10.0.0.0/8" }, PodSelector = new V1LabelSelector() })));

    [Fact]
    public void PodAndNamespaceSelectorTogetherAreFine() =>
        Assert.Empty(Problems(WithPeer(new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector(), NamespaceSelector = new V1LabelSelector() })));

    [Theory]
    [InlineData("10.0.0.0/8", new string[0], new string[0])]
    [InlineData("10.0.0.5/8", new[] { "10.0.0.5/32" }, new string[0])]
    [InlineData("10.0.0.0/33", new string[0], new[] { "spec.ingress[0].from[0].ipBlock.cidr: Invalid value: \"10.0.0.0/33\": " + IpRules.CidrMessage })]
    [InlineData("10.0.0.0", new string[0], new[] { "spec.ingress[0].from[0].ipBlock.cidr: Invalid value: \"10.0.0.0\": " + IpRules.CidrMessage })]
    [InlineData("10.0.0.0/8", new[] { "10.0.0.0/8" }, new[] { "spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`" })]
    [InlineData("10.0.0.0/16", new[] { "10.1.0.0/24" }, new[] { "spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.1.0.0/24\": must be a strict subset of `cidr`" })]
    [InlineData("10.0.0.0/8", new[] { "10.1.0.0/16", "fd00::/64" }, new[] { "spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: \"fd00::/64\": must be a strict subset of `cidr`" })]
    [InlineData("10.0.0.0/8", new[] { "10.1.0.0" }, new[] { "spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.1.0.0\": " + IpRules.CidrMessage })]
    public void IpBlocks(string cidr, string[] except, string[] errors) => Assert.Equal(errors, Problems(WithBlock(cidr, except)));

    [Fact]
    public void IpBlockCidrRequired() =>
        Assert.Equal(["spec.ingress[0].from[0].ipBlock.cidr: Required value"], Problems(WithPeer(new V1NetworkPolicyPeer { IpBlock = new V1IPBlock() })));

    [Fact]
    public void EndPortRules()
    {
        Assert.Empty(Problems(WithPort(new V1NetworkPolicyPort { Port = 32000, EndPort = 32768 })));
        Assert.Equal(["spec.ingress[0].ports[0].endPort: Invalid value: 79: must be greater than or equal to `port`"],
            Problems(WithPort(new V1NetworkPolicyPort { Port = 80, EndPort = 79 })));
        Assert.Equal(["spec.ingress[0].ports[0].endPort: Invalid value: 70000: must be between 1 and 65535, inclusive"],
            Problems(WithPort(new V1NetworkPolicyPort { Port = 80, EndPort = 70000 })));
        Assert.Equal(["spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric"],
            Problems(WithPort(new V1NetworkPolicyPort { Port = "http", EndPort = 90 })));
        Assert.Equal(["spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified"],
            Problems(WithPort(new V1NetworkPolicyPort { EndPort = 90 })));
    }

    [Fact]
    public void PortNumbersNamesAndProtocols()
    {
        Assert.Equal(["spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"],
            Problems(WithPort(new V1NetworkPolicyPort { Port = 0 })));
        Assert.Equal(["spec.ingress[0].ports[0].port: Invalid value: \"serve--80\": must not contain consecutive hyphens"],
            Problems(WithPort(new V1NetworkPolicyPort { Port = "serve--80" })));
        Assert.Equal(["spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\""],
            Problems(WithPort(new V1NetworkPolicyPort { Protocol = "ICMP" })));
    }

    [Fact]
    public void EgressPathsUseTo() =>
        Assert.Equal(["spec.egress[0].to[1]: Required value: must specify a peer"],
            Problems(Policy(s => { s.PolicyTypes = ["Egress"]; s.Egress = [new V1NetworkPolicyEgressRule { To = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector() }, new V1NetworkPolicyPeer()] }]; })));

    [Fact]
    public void PolicyTypes() =>
        Assert.Equal(
        [
            "spec.policyTypes[1]: Unsupported value: \"ingress\": supported values: \"Ingress\", \"Egress\"",
            "spec.policyTypes[2]: Duplicate value: \"Ingress\"",
        ], Problems(Policy(s => s.PolicyTypes = ["Ingress", "ingress", "Ingress", "Egress"])));

    [Fact]
    public void SelectorOperators()
    {
        var np = Policy(s => s.PodSelector = new V1LabelSelector
        {
            MatchExpressions =
            [
                new V1LabelSelectorRequirement { Key = "app", OperatorProperty = "In" },
                new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "Exists", Values = ["x"] },
                new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "in", Values = ["prod"] },
                new V1LabelSelectorRequirement { Key = "bad key", OperatorProperty = "NotIn", Values = ["ok", "-bad"] },
            ],
            MatchLabels = new Dictionary<string, string> { ["app"] = "-x" },
        });
        Assert.Equal(
        [
            "spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            "spec.podSelector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            "spec.podSelector.matchExpressions[2].operator: Invalid value: \"in\": not a valid selector operator",
            "spec.podSelector.matchExpressions[3].key: Invalid value: \"bad key\": name part " + NameRules.QualifiedNameMessage,
            "spec.podSelector.matchExpressions[3].values[1]: Invalid value: \"-bad\": " + NameRules.LabelValueMessage,
            "spec.podSelector.matchLabels: Invalid value: \"-x\": " + NameRules.LabelValueMessage,
        ], Problems(np));
    }

    [Fact]
    public void PeerSelectorsAreValidated() =>
        Assert.Equal(
        [
            "spec.ingress[0].from[0].namespaceSelector.matchLabels: Invalid value: \"kubernetes.io/\": name part must be non-empty",
            "spec.ingress[0].from[0].namespaceSelector.matchLabels: Invalid value: \"kubernetes.io/\": name part " + NameRules.QualifiedNameMessage,
        ],
            Problems(WithPeer(new V1NetworkPolicyPeer { NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/"] = "x" } } })));
}
