using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Policy.Admin;

/// <summary>The ANP/BANP admission rules of SPECS 1.4, each problem reported with its field path.</summary>
public static class AdminPolicyValidator
{
    public const int MaxRules = 100;
    public const int MaxPeers = 100;

    public static void Validate(AdminPolicy p, List<Problem> problems)
    {
        var sink = new ProblemSink(problems, p.Location, p.Ref);
        if (p.IsBaseline)
        {
            if (p.Name != AdminPolicy.BaselineName)
                sink.Add("metadata.name", $"must be \"{AdminPolicy.BaselineName}\": BaselineAdminNetworkPolicy is a singleton");
        }
        else if (p.Priority is not { } prio) sink.Add("spec.priority", "required");
        else if (prio < 0 || prio > 1000) sink.Add("spec.priority", $"{prio} is out of range 0-1000");

        int subjects = (p.Subject.Namespaces is null ? 0 : 1) + (p.Subject.Pods is null ? 0 : 1);
        if (subjects != 1) sink.Add("spec.subject", "must set exactly one of namespaces or pods");

        ValidateRules(p, p.Ingress, "spec.ingress", "from", ingress: true, sink);
        ValidateRules(p, p.Egress, "spec.egress", "to", ingress: false, sink);
    }

    private static void ValidateRules(AdminPolicy p, IReadOnlyList<AdminRule> rules, string path, string peersField, bool ingress, ProblemSink sink)
    {
        if (rules.Count > MaxRules) sink.Add(path, $"has {rules.Count} rules; at most {MaxRules} are allowed");
        for (int i = 0; i < rules.Count; i++)
        {
            var r = rules[i];
            var rp = $"{path}[{i}]";
            if (r.Action == AdminAction.Unknown)
                sink.Add(rp + ".action", $"unsupported value \"{r.RawAction}\": must be {(p.IsBaseline ? "Allow or Deny" : "Allow, Deny or Pass")}");
            else if (p.IsBaseline && r.Action == AdminAction.Pass)
                sink.Add(rp + ".action", "Pass is not allowed in a BaselineAdminNetworkPolicy: must be Allow or Deny");
            if (r.Peers.Count < 1 || r.Peers.Count > MaxPeers)
                sink.Add($"{rp}.{peersField}", $"must have 1-{MaxPeers} peers, has {r.Peers.Count}");
            for (int j = 0; j < r.Peers.Count; j++)
                ValidatePeer(r.Peers[j], $"{rp}.{peersField}[{j}]", ingress, sink);
            if (r.Ports is { } ports)
                for (int j = 0; j < ports.Count; j++) ValidatePort(ports[j], $"{rp}.ports[{j}]", sink);
        }
    }

    private static void ValidatePeer(AdminPeer peer, string path, bool ingress, ProblemSink sink)
    {
        // An empty peer is legal and fails closed at evaluation; more than one field is not.
        if (peer.FieldCount > 1) sink.Add(path, "must set exactly one of namespaces, pods, nodes or networks");
        if (ingress && peer.Nodes is not null) sink.Add(path + ".nodes", "is only allowed in egress rules");
        if (ingress && peer.Networks is not null) sink.Add(path + ".networks", "is only allowed in egress rules");
        if (peer.Networks is { } nets)
        {
            if (nets.Count < 1 || nets.Count > 25) sink.Add(path + ".networks", $"must have 1-25 entries, has {nets.Count}");
            for (int k = 0; k < nets.Count; k++)
                if (!Cidr.TryParse(nets[k], out _)) sink.Add($"{path}.networks[{k}]", $"invalid CIDR \"{nets[k]}\"");
        }
    }

    private static void ValidatePort(AdminPort port, string path, ProblemSink sink)
    {
        if (port.FieldCount != 1) sink.Add(path, "must set exactly one of portNumber, namedPort or portRange");
        if (port.PortNumber is { } n && !InRange(n.Port)) sink.Add(path + ".portNumber.port", $"{n.Port} must be 1-65535");
        if (port.NamedPort is { } name && name.Length == 0) sink.Add(path + ".namedPort", "must not be empty");
        if (port.PortRange is { } r)
        {
            if (!InRange(r.Start)) sink.Add(path + ".portRange.start", $"{r.Start} must be 1-65535");
            if (!InRange(r.End)) sink.Add(path + ".portRange.end", $"{r.End} must be 1-65535");
            if (r.End < r.Start) sink.Add(path + ".portRange.end", $"{r.End} must be >= start {r.Start}");
        }
    }

    private static bool InRange(int port) => port >= 1 && port <= 65535;
}
