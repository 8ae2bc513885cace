using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Policy.Tests;

/// <summary>
/// Large, realistic-looking clusters built as records directly (no YAML): namespaces owned by
/// teams, a few Deployments per namespace (pods share labels, as ReplicaSet pods do), and a mix
/// of policy shapes seen in practice (default deny, same-namespace allow, cross-namespace by
/// team, named ports, endPort ranges, egress to CIDRs with except, DNS egress).
/// </summary>
internal static class ScaleClusterGenerator
{
    public static DerivedCluster Generate(int pods, int namespaces, int policies, int appsPerNamespace = 3, int nodes = 100)
    {
        var nsList = new List<ClusterNamespace>(namespaces);
        for (int i = 0; i < namespaces; i++)
            nsList.Add(Build.Namespace(NsName(i), Labels.Of(("team", $"team-{i % 50}"), ("env", i % 3 == 0 ? "prod" : "dev"))));
        var nodeList = new List<Node>(nodes);
        for (int i = 0; i < nodes; i++) nodeList.Add(Build.Node($"node-{i}", $"172.18.{i / 250}.{i % 250 + 2}"));
        var ports = new[]
        {
            new ContainerPort("http", 8080, Protocol.TCP, "app", null),
            new ContainerPort("metrics", 9090, Protocol.TCP, "app", null),
        };
        var altPorts = new[]
        {
            new ContainerPort("http", 80, Protocol.TCP, "app", null),
            new ContainerPort("dns", 53, Protocol.UDP, "app", null),
        };
        var podList = new List<Pod>(pods);
        for (int i = 0; i < pods; i++)
        {
            int ns = i % namespaces;
            int app = i / namespaces % appsPerNamespace;
            int v = i + 1;
            string ip = $"10.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";
            var labels = Labels.Of(("app", $"app-{app}"), ("tier", app == 0 ? "frontend" : "backend"), ("pod-template-hash", $"h{app}"));
            podList.Add(Build.Pod(NsName(ns), $"app-{app}-{i}", labels, ip, $"node-{i % nodes}", false, app == 1 ? altPorts : ports));
        }
        var npList = new List<NetworkPolicy>(policies);
        for (int i = 0; i < policies; i++)
        {
            int ns = i % namespaces;
            npList.Add(PolicyShape((i + i / namespaces) % 8, NsName(ns), $"np-{i}", ns));
        }
        return Build.Cluster(nsList, nodeList, podList, npList);
    }

    private static string NsName(int i) => $"ns-{i:D5}";

    private static LabelSelector App(int app) => LabelSelector.FromLabels(Labels.Of(("app", $"app-{app}")));
    private static LabelSelector Sel(string k, string v) => LabelSelector.FromLabels(Labels.Of((k, v)));

    private static NetworkPolicy PolicyShape(int shape, string ns, string name, int nsIndex)
    {
        PolicyRule Rule(IReadOnlyList<PolicyPeer>? peers, params PolicyPort[] ports) => new(peers, ports);
        return shape switch
        {
            0 => Build.Policy(ns, name, LabelSelector.Everything, true, false, [], []),
            1 => Build.Policy(ns, name, App(0), true, false,
                [Rule([new PolicyPeer(App(1), null, null)], new PolicyPort(Protocol.TCP, PortRef.Named("http"), null))], []),
            2 => Build.Policy(ns, name, App(1), true, false,
                [Rule([new PolicyPeer(Sel("tier", "frontend"), Sel("team", $"team-{nsIndex % 50}"), null)], new PolicyPort(Protocol.TCP, PortRef.Of(80), 90))], []),
            3 => Build.Policy(ns, name, App(2), false, true, [],
                [Rule([new PolicyPeer(null, Sel("env", "prod"), null)], new PolicyPort(Protocol.TCP, PortRef.Of(80), null)),
                 Rule([new PolicyPeer(null, null, Build.Block("10.0.0.0/8", "10.0.1.0/24"))], new PolicyPort(Protocol.TCP, PortRef.Of(443), null))]),
            4 => Build.Policy(ns, name, App(0), true, false,
                [Rule([new PolicyPeer(null, null, Build.Block("172.18.0.0/16"))]),
                 Rule([new PolicyPeer(null, new LabelSelector(Labels.Empty, [new SelectorRequirement("env", SelectorOperator.NotIn, ["dev"])]), null)])], []),
            5 => Build.Policy(ns, name, Sel("tier", "backend"), false, true, [],
                [Rule(null, new PolicyPort(Protocol.UDP, PortRef.Of(53), null)),
                 Rule([new PolicyPeer(new LabelSelector(Labels.Empty, [new SelectorRequirement("app", SelectorOperator.In, ["app-0", "app-1"])]), null, null)])]),
            6 => Build.Policy(ns, name, App(1), true, false,
                [Rule([new PolicyPeer(null, LabelSelector.Everything, null)], new PolicyPort(Protocol.TCP, PortRef.Named("http"), null), new PolicyPort(Protocol.UDP, PortRef.Named("dns"), null))], []),
            _ => Build.Policy(ns, name, new LabelSelector(Labels.Empty, [new SelectorRequirement("tier", SelectorOperator.Exists, [])]), true, true,
                [Rule([new PolicyPeer(LabelSelector.Everything, null, null)])],
                [Rule(null, new PolicyPort(Protocol.TCP, PortRef.Named("http"), null))]),
        };
    }
}
