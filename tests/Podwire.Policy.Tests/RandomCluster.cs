using System.Text;
using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Policy.Tests;

/// <summary>
/// Small random clusters and policies for the property test: few label keys and values so
/// selectors overlap often, all four selector operators, ipBlocks with except, named ports,
/// endPort ranges, hostNetwork pods, ANPs (including equal priorities and empty peers) and a BANP.
/// </summary>
internal sealed class RandomCluster(int seed)
{
    private readonly Random _r = new(seed);
    private static readonly string[] Nss = ["n1", "n2", "n3"];
    private static readonly string[] Keys = ["app", "tier", "team"];
    private static readonly string[] Values = ["a", "b", "c"];
    public static readonly string[] NodeIps = ["172.18.0.2", "172.18.0.3"];
    public static readonly string[] OutsideIps = ["192.168.7.7", "10.0.0.200", "172.18.0.2"];

    private T Pick<T>(IReadOnlyList<T> xs) => xs[_r.Next(xs.Count)];
    private bool Chance(int percent) => _r.Next(100) < percent;

    private Labels RandomLabels()
    {
        var pairs = new List<(string, string)>();
        foreach (var k in Keys) if (Chance(50)) pairs.Add((k, Pick(Values)));
        return Labels.Of([.. pairs]);
    }

    private LabelSelector Selector()
    {
        var ml = new List<(string, string)>();
        if (Chance(40)) ml.Add((Pick(Keys), Pick(Values)));
        var ex = new List<SelectorRequirement>();
        int n = _r.Next(3);
        for (int i = 0; i < n; i++)
        {
            var op = (SelectorOperator)_r.Next(4);
            IReadOnlyList<string> vals = op is SelectorOperator.In or SelectorOperator.NotIn ? Values.Where(_ => Chance(50)).DefaultIfEmpty("a").ToArray() : [];
            ex.Add(new SelectorRequirement(Pick(Keys), op, vals));
        }
        return new LabelSelector(Labels.Of([.. ml]), ex);
    }

    private string Ip(int i) => $"10.0.{i / 4}.{i % 4 * 64 + 1}";

    public DerivedCluster Generate()
    {
        var namespaces = Nss.Select(n => Build.Namespace(n, RandomLabels())).ToList();
        var nodes = new List<Node> { Build.Node("node-1", NodeIps[0]), Build.Node("node-2", NodeIps[1]) };
        int podCount = 1 + _r.Next(9);
        var pods = new List<Pod>();
        for (int i = 0; i < podCount; i++)
        {
            var ports = new List<ContainerPort>();
            if (Chance(60)) ports.Add(new ContainerPort("http", Chance(50) ? 80 : 81, Protocol.TCP, "c", null));
            if (Chance(40)) ports.Add(new ContainerPort("dns", Chance(50) ? 53 : 80, Protocol.UDP, "c", null));
            if (Chance(30)) ports.Add(new ContainerPort("http", 80, Protocol.SCTP, "c", null));
            bool host = Chance(10);
            string node = Chance(50) ? "node-1" : "node-2";
            string? ip = host ? (Chance(50) ? (node == "node-1" ? NodeIps[0] : NodeIps[1]) : null) : Chance(95) ? Ip(i) : null;
            pods.Add(Build.Pod(Pick(Nss), "p" + i, RandomLabels(), ip, node, host, ports));
        }
        var policies = new List<NetworkPolicy>();
        int npCount = _r.Next(5);
        for (int i = 0; i < npCount; i++)
        {
            bool ing = Chance(70), egr = Chance(50) || !ing;
            policies.Add(Build.Policy(Pick(Nss), "np" + i, Chance(30) ? LabelSelector.Everything : Selector(), ing, egr, Rules(), Rules()));
        }
        var other = new List<RawObject>();
        int anps = _r.Next(3);
        for (int i = 0; i < anps; i++) other.Add(Admin(false, "anp" + i));
        if (Chance(40)) other.Add(Admin(true, "default"));
        return Build.Cluster(namespaces, nodes, pods, policies, other);
    }

    private List<PolicyRule> Rules()
    {
        var rules = new List<PolicyRule>();
        int n = _r.Next(3);
        for (int i = 0; i < n; i++)
        {
            List<PolicyPeer>? peers = null;
            if (Chance(75))
            {
                peers = [];
                int k = 1 + _r.Next(2);
                for (int j = 0; j < k; j++)
                    peers.Add(_r.Next(4) switch
                    {
                        0 => new PolicyPeer(Selector(), null, null),
                        1 => new PolicyPeer(null, Selector(), null),
                        2 => new PolicyPeer(Selector(), Selector(), null),
                        _ => new PolicyPeer(null, null, Chance(50) ? Build.Block("10.0.0.0/16", "10.0.1.0/24") : Build.Block(Pick(["0.0.0.0/0", "10.0.0.0/22", "172.18.0.0/24"]), Chance(50) ? ["10.0.0.0/24"] : [])),
                    });
            }
            var ports = new List<PolicyPort>();
            int p = _r.Next(3);
            for (int j = 0; j < p; j++)
            {
                var proto = (Protocol)_r.Next(3);
                ports.Add(_r.Next(4) switch
                {
                    0 => new PolicyPort(proto, null, null),
                    1 => new PolicyPort(proto, PortRef.Of(Pick([53, 80, 81])), null),
                    2 => new PolicyPort(proto, PortRef.Of(Pick([50, 80])), Pick([80, 81, 100])),
                    _ => new PolicyPort(proto, PortRef.Named(Pick(["http", "dns", "none"])), null),
                });
            }
            rules.Add(new PolicyRule(peers, ports));
        }
        return rules;
    }

    private static string Json(LabelSelector s)
    {
        var sb = new StringBuilder("{\"matchLabels\":{");
        sb.Append(string.Join(",", s.MatchLabels.Select(p => $"\"{p.Key}\":\"{p.Value}\"")));
        sb.Append("},\"matchExpressions\":[");
        sb.Append(string.Join(",", s.MatchExpressions.Select(e =>
            $"{{\"key\":\"{e.Key}\",\"operator\":\"{e.Operator}\",\"values\":[{string.Join(",", e.Values.Select(v => $"\"{v}\""))}]}}")));
        return sb.Append("]}").ToString();
    }

    private RawObject Admin(bool baseline, string name)
    {
        string subject = Chance(50) ? $"{{\"namespaces\":{Json(Selector())}}}"
            : $"{{\"pods\":{{\"namespaceSelector\":{Json(Selector())},\"podSelector\":{Json(Selector())}}}}}";
        string Rules(bool egress)
        {
            var rules = new List<string>();
            int n = _r.Next(4);
            for (int i = 0; i < n; i++)
            {
                string action = baseline ? Pick(["Allow", "Deny"]) : Pick(["Allow", "Deny", "Pass"]);
                var peers = new List<string>();
                int k = 1 + _r.Next(2);
                for (int j = 0; j < k; j++)
                    peers.Add(_r.Next(egress ? 5 : 3) switch
                    {
                        0 => $"{{\"namespaces\":{Json(Selector())}}}",
                        1 => $"{{\"pods\":{{\"namespaceSelector\":{Json(Selector())},\"podSelector\":{Json(Selector())}}}}}",
                        2 => Chance(30) ? "{}" : $"{{\"namespaces\":{Json(Selector())}}}",
                        3 => $"{{\"networks\":[\"{Pick(["10.0.0.0/23", "192.168.0.0/16", "0.0.0.0/0"])}\"]}}",
                        _ => "{\"nodes\":" + (Chance(50) ? "{}" : "{\"matchLabels\":{\"kubernetes.io/hostname\":\"node-1\"}}") + "}",
                    });
                string ports = "";
                if (Chance(60))
                {
                    var ps = new List<string>();
                    int m = 1 + _r.Next(2);
                    for (int j = 0; j < m; j++)
                        ps.Add(_r.Next(3) switch
                        {
                            0 => $"{{\"portNumber\":{{\"protocol\":\"{(Protocol)_r.Next(3)}\",\"port\":{Pick([53, 80, 81])}}}}}",
                            1 => $"{{\"namedPort\":\"{Pick(["http", "dns"])}\"}}",
                            _ => $"{{\"portRange\":{{\"protocol\":\"{(Protocol)_r.Next(3)}\",\"start\":{Pick([1, 80])},\"end\":{Pick([80, 90])}}}}}",
                        });
                    ports = $",\"ports\":[{string.Join(",", ps)}]";
                }
                rules.Add($"{{\"name\":\"r{i}\",\"action\":\"{action}\",\"{(egress ? "to" : "from")}\":[{string.Join(",", peers)}]{ports}}}");
            }
            return "[" + string.Join(",", rules) + "]";
        }
        string prio = baseline ? "" : $"\"priority\":{_r.Next(4)},";
        string kind = baseline ? "BaselineAdminNetworkPolicy" : "AdminNetworkPolicy";
        string json = $"{{\"apiVersion\":\"policy.networking.k8s.io/v1alpha1\",\"kind\":\"{kind}\",\"metadata\":{{\"name\":\"{name}\"}},\"spec\":{{{prio}\"subject\":{subject},\"ingress\":{Rules(false)},\"egress\":{Rules(true)}}}}}";
        return new RawObject("policy.networking.k8s.io/v1alpha1", kind, null, name, json, SourceLocation.Generated);
    }
}
