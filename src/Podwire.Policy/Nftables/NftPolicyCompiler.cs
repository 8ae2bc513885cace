using System.Net;
using System.Net.Sockets;
using System.Text;
using Podwire.Policy.Identity;
using Podwire.Policy.Ir;

namespace Podwire.Policy.Nftables;

// Design note. NetworkPolicy, ANP and BANP in one nftables table per node, compiled from the
// engine's IR (never re-derived from the policy objects, so the analyzer and the kernel share
// one reading of selectors and named ports).
//
//  - One `inet` table, `podwire-policy`, with a forward base chain at priority filter: it runs
//    after the service proxy's DNAT (prerouting), so policy sees the backend pod and target port
//    (SPECS 1.1.11). Bridged traffic between pods of one node reaches it through bridge
//    netfilter. Node-originated traffic (kubelet probes) never crosses forward, so it is allowed
//    by construction (SPECS 1.1.10); the input chain applies egress policy to pod → node traffic.
//  - Stateful: `ct state established,related accept` first, so replies of allowed connections
//    pass (SPECS 1.1.6); a packet that opens a connection meets the policy.
//  - Pods are known by IP. Two verdict maps send a packet from (egress) or to (ingress) a pod of
//    this node to the chain of the pod's identity, so the chains scale with identities (distinct
//    label sets), not pods. Egress is decided on the source pod's node, ingress on the
//    destination's; a same-node packet meets both in one pass. "Allowed" is `return`, so an
//    egress allow still leaves the ingress check; "denied" is `drop`.
//  - An identity chain holds the admin tier in priority order (Allow/Deny final, Pass = goto the
//    NetworkPolicy part), then either the NetworkPolicy allows ending in drop (isolated) or the
//    baseline rules. Peers are named sets of pod IPs (one per distinct identity set) or interval
//    sets for ipBlocks (`except` as a `!=` set); ports are `proto dport` sets, or
//    `meta l4proto . th dport` concatenations when a rule mixes protocols.
//  - Replacing the table is one transaction (`Transaction`): the kernel swaps old for new
//    atomically, so no packet meets a half-written policy.
// Pod subjects and identity sets are IPv4 (the lab's pod network); ipBlocks of either family work.

/// <summary>Compiles the policy IR into the nftables ruleset of one node.</summary>
public static class NftPolicyCompiler
{
    public const string Family = "inet";
    public const string Table = "podwire-policy";

    /// <summary>The whole <c>table inet podwire-policy { … }</c> enforcing policy for the pods on <paramref name="node"/>.</summary>
    public static string Render(PolicyIr ir, IdentityTable ids, string node) => new NodeCompiler(ir, ids, node).Render();

    /// <summary>
    /// An <c>nft -f</c> script replacing the table in one transaction: it makes sure the table
    /// exists (so the delete cannot fail), deletes it and adds the new one.
    /// </summary>
    public static string Transaction(string renderedTable) =>
        $"table {Family} {Table} {{}}\ndelete table {Family} {Table}\n{renderedTable}";

    /// <summary>The script that removes the table (when it exists).</summary>
    public static string Removal() => $"table {Family} {Table} {{}}\ndelete table {Family} {Table}\n";

    private sealed class NodeCompiler
    {
        private readonly PolicyIr _ir;
        private readonly IdentityTable _ids;
        private readonly string _node;
        // Pod IPv4 addresses per identity, cluster-wide: what an identity set stands for on the wire.
        private readonly Dictionary<int, List<IPAddress>> _ipsByIdentity = [];
        // Local pods per identity, in pod order.
        private readonly SortedDictionary<int, List<(string Key, IPAddress Ip)>> _local = [];
        private readonly Dictionary<string, (string Name, List<NftAddresses.Interval> Elements)> _sets = new(StringComparer.Ordinal);
        private readonly List<string> _setOrder = [];

        public NodeCompiler(PolicyIr ir, IdentityTable ids, string node)
        {
            _ir = ir;
            _ids = ids;
            _node = node;
            var pods = ids.Pods;
            for (int i = 0; i < pods.Count; i++)
            {
                var pod = pods[i];
                int id = ids.IdentityOfPodAt(i);
                if (pod.HostNetwork || id < IdentityTable.FirstPodIdentity) continue;
                if (pod.PodIP is not { } s || !IPAddress.TryParse(s, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) continue;
                if (!_ipsByIdentity.TryGetValue(id, out var list)) _ipsByIdentity[id] = list = [];
                list.Add(ip);
                if (pod.NodeName == node)
                {
                    if (!_local.TryGetValue(id, out var l)) _local[id] = l = [];
                    l.Add((pod.Key, ip));
                }
            }
        }

        public string Render()
        {
            var chains = new StringBuilder();
            var egressMap = new List<(IPAddress Ip, string Chain)>();
            var ingressMap = new List<(IPAddress Ip, string Chain)>();
            var selfPairs = new List<IPAddress>();
            foreach (var (id, pods) in _local)
            {
                foreach (var p in pods) selfPairs.Add(p.Ip);
                foreach (var dir in (Direction[])[Direction.Egress, Direction.Ingress])
                {
                    var d = _ir.For(dir, id);
                    if (!d.Isolated && d.AdminRules.Count == 0 && d.BaselineRules.Count == 0) continue;
                    string chain = ChainName(dir, id);
                    WriteIdentityChains(chains, d, dir, id, chain, pods);
                    foreach (var p in pods) (dir == Direction.Egress ? egressMap : ingressMap).Add((p.Ip, chain));
                }
            }

            var sb = new StringBuilder();
            sb.Append($"# podwire policy for node {_node}: {Count(_local)} local pods, {_local.Count} identities\n");
            sb.Append($"table {Family} {Table} {{\n");
            foreach (var key in _setOrder)
            {
                var (name, elements) = _sets[key];
                sb.Append($"\tset {name} {{\n\t\ttype ipv4_addr\n\t\tflags interval\n");
                sb.Append($"\t\telements = {{ {string.Join(", ", elements.Select(e => NftAddresses.Format(e, true)))} }}\n");
                sb.Append("\t}\n");
            }
            selfPairs.Sort(static (a, b) => Podwire.Model.Net.IpMath.Compare(a, b));
            sb.Append("\tset self-pairs {\n\t\ttype ipv4_addr . ipv4_addr\n");
            if (selfPairs.Count > 0) sb.Append($"\t\telements = {{ {string.Join(", ", selfPairs.Select(ip => $"{ip} . {ip}"))} }}\n");
            sb.Append("\t}\n");
            sb.Append(chains);
            WriteSubjectMap(sb, "egress-subjects", egressMap);
            WriteSubjectMap(sb, "ingress-subjects", ingressMap);
            sb.Append("\tchain forward {\n");
            sb.Append("\t\ttype filter hook forward priority filter; policy accept;\n");
            sb.Append("\t\tct state established,related accept\n");
            sb.Append("\t\tct state invalid drop\n");
            sb.Append("\t\tip saddr . ip daddr @self-pairs accept\n");
            sb.Append("\t\tip saddr vmap @egress-subjects\n");
            sb.Append("\t\tip daddr vmap @ingress-subjects\n");
            sb.Append("\t}\n");
            sb.Append("\tchain input {\n");
            sb.Append("\t\ttype filter hook input priority filter; policy accept;\n");
            sb.Append("\t\tct state established,related accept\n");
            sb.Append("\t\tip saddr vmap @egress-subjects\n");
            sb.Append("\t}\n");
            sb.Append("}\n");
            return sb.ToString();
        }

        private static int Count(SortedDictionary<int, List<(string, IPAddress)>> local)
        {
            int n = 0;
            foreach (var l in local.Values) n += l.Count;
            return n;
        }

        private static string ChainName(Direction dir, int id) => (dir == Direction.Egress ? "egress-" : "ingress-") + id;

        private static void WriteSubjectMap(StringBuilder sb, string name, List<(IPAddress Ip, string Chain)> entries)
        {
            entries.Sort(static (a, b) => Podwire.Model.Net.IpMath.Compare(a.Ip, b.Ip));
            sb.Append($"\tmap {name} {{\n\t\ttype ipv4_addr : verdict\n");
            if (entries.Count > 0)
                sb.Append($"\t\telements = {{ {string.Join(", ", entries.Select(e => $"{e.Ip} : jump {e.Chain}"))} }}\n");
            sb.Append("\t}\n");
        }

        private void WriteIdentityChains(StringBuilder sb, DirectionIr d, Direction dir, int id, string chain, List<(string Key, IPAddress Ip)> pods)
        {
            var who = _ids.ById[id] is { } identity ? $"{identity.Namespace}: {identity.PodLabels}" : id.ToString();
            string header = $"\t# {dir.ToString().ToLowerInvariant()} of identity {id} ({who}): {string.Join(", ", pods.Select(p => p.Key))}\n";
            var admin = new List<string>();
            bool hasPass = false;
            foreach (var rule in d.AdminRules)
            {
                string verdict = rule.Action switch
                {
                    IrAction.Allow => "return",
                    IrAction.Deny => "drop",
                    _ => $"goto {chain}-np",
                };
                hasPass |= rule.Action == IrAction.Pass;
                foreach (var m in rule.Matches) AddDistinct(admin, Rules(m, dir), verdict, Comment(rule.Source));
            }

            var rest = new List<string>();
            if (d.Isolated)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var a in d.Allows)
                    foreach (var r in Rules(a.Match, dir))
                        if (seen.Add(r)) rest.Add(Line(r, "return", a.Source.ToString()));
                rest.Add(Line("", "drop", "isolated by " + string.Join(", ", d.IsolatingPolicies)));
            }
            else
                foreach (var rule in d.BaselineRules)
                    foreach (var m in rule.Matches)
                        AddDistinct(rest, Rules(m, dir), rule.Action == IrAction.Allow ? "return" : "drop", Comment(rule.Source));

            if (hasPass)
            {
                // Pass skips the rest of the admin tier: the NetworkPolicy/baseline part is its own chain.
                sb.Append(header);
                sb.Append($"\tchain {chain}-np {{\n");
                foreach (var r in rest) sb.Append("\t\t").Append(r).Append('\n');
                sb.Append("\t}\n");
                admin.Add($"goto {chain}-np");
                rest.Clear();
            }
            else sb.Append(header);
            sb.Append($"\tchain {chain} {{\n");
            foreach (var r in admin) sb.Append("\t\t").Append(r).Append('\n');
            foreach (var r in rest) sb.Append("\t\t").Append(r).Append('\n');
            sb.Append("\t}\n");
        }

        private static void AddDistinct(List<string> lines, List<string> matches, string verdict, string comment)
        {
            foreach (var m in matches)
            {
                var line = Line(m, verdict, comment);
                // Clauses of one rule repeat (one per peer × name); an identical line right above is dead.
                if (lines.Count == 0 || lines[^1] != line) lines.Add(line);
            }
        }

        private static string Line(string match, string verdict, string comment)
        {
            if (comment.Length > 120) comment = comment[..117] + "...";
            return (match.Length == 0 ? "" : match + " ") + verdict + $" comment \"{comment.Replace('"', '\'')}\"";
        }

        private static string Comment(AdminRuleRef r) =>
            (r.Baseline ? "banp " : "anp ") + r.Policy + " rule " + r.RuleIndex + (r.RuleName is null ? "" : $" ({r.RuleName})");

        /// <summary>The nft match expressions of one clause, one per address family it needs; empty when it can never match.</summary>
        private List<string> Rules(IrMatch m, Direction dir)
        {
            string field = dir == Direction.Egress ? "daddr" : "saddr";
            string ports = NftPorts.Expression(m.Ports);
            var result = new List<string>();
            var peer = m.Peer;
            string? ids = null;
            if (peer.Identities is { } set)
            {
                ids = SetFor(set);
                if (ids is null) return result;
            }
            if (peer.Block is null)
            {
                result.Add(Join(ids is null ? "" : $"ip {field} @{ids}", ports));
                return result;
            }
            foreach (bool v4 in (bool[])[true, false])
            {
                if (!v4 && ids is not null) continue; // identity sets hold IPv4 pod addresses only
                var include = NftAddresses.Merge(peer.Block.Include, v4);
                if (include.Count == 0) continue;
                var except = NftAddresses.Merge(peer.Block.Except, v4);
                string p = v4 ? "ip" : "ip6";
                var expr = $"{p} {field} {NftAddresses.Expression(include, v4)}";
                if (except.Count > 0) expr += $" {p} {field} != {NftAddresses.Expression(except, v4)}";
                if (ids is not null) expr = $"ip {field} @{ids} " + expr;
                result.Add(Join(expr, ports));
            }
            return result;
        }

        private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + " " + b;

        /// <summary>The named set of the pod addresses of <paramref name="set"/>, or null when it has none.</summary>
        private string? SetFor(IdentitySet set)
        {
            var key = set.ToString();
            if (_sets.TryGetValue(key, out var known)) return known.Name;
            var ips = new List<IPAddress>();
            foreach (var id in set.Ids())
                if (_ipsByIdentity.TryGetValue(id, out var l)) ips.AddRange(l);
            if (ips.Count == 0) { _sets[key] = (null!, []); return null; }
            var name = "pods-" + (_setOrder.Count + 1);
            _sets[key] = (name, NftAddresses.FromAddresses(ips));
            _setOrder.Add(key);
            return name;
        }
    }
}
