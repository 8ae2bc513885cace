using Podwire.Model;
using Podwire.Policy.Identity;

namespace Podwire.Policy.Ir;

/// <summary>A rule's port list before named ports are resolved: numeric ranges plus names (protocol null = any, as in ANP).</summary>
internal sealed record PortSpec(bool AnyPort, List<IrPortRange> Ranges, List<(string Name, Protocol? Protocol)> Names)
{
    public static readonly PortSpec Any = new(true, [], []);
    public bool HasNames => Names.Count > 0;
}

/// <summary>
/// Compiles (peers, ports) into match clauses. Named ports resolve against the destination:
/// for ingress that is the subject identity, so names become numbers; for egress it is the
/// peer, so each name splits the peer by the identities that define it (a non-pod destination
/// never matches a name).
/// </summary>
internal static class MatchCompiler
{
    public static List<IrMatch> Ingress(IReadOnlyList<IrPeer> peers, PortSpec ports, SecurityIdentity subject)
    {
        var result = new List<IrMatch>();
        if (ports.AnyPort)
        {
            foreach (var p in peers) result.Add(new IrMatch(p, []));
            return result;
        }
        var ranges = new List<IrPortRange>(ports.Ranges);
        foreach (var (name, proto) in ports.Names)
            foreach (var np in subject.NamedPorts)
                if (np.Name == name && (proto is null || proto == np.Protocol))
                    ranges.Add(new IrPortRange(np.Protocol, np.Port, np.Port));
        if (ranges.Count == 0) return result;
        foreach (var p in peers) result.Add(new IrMatch(p, ranges));
        return result;
    }

    public static List<IrMatch> Egress(IReadOnlyList<IrPeer> peers, PortSpec ports, SelectorIndex index)
    {
        var result = new List<IrMatch>();
        if (ports.AnyPort)
        {
            foreach (var p in peers) result.Add(new IrMatch(p, []));
            return result;
        }
        if (ports.Ranges.Count > 0)
            foreach (var p in peers) result.Add(new IrMatch(p, ports.Ranges));
        foreach (var (name, proto) in ports.Names)
            foreach (var (np, port, set) in index.NamedPort(name))
            {
                if (proto is not null && proto != np) continue;
                var range = new IrPortRange(np, port, port);
                foreach (var p in peers)
                {
                    var ids = p.Identities is null ? set : index.Intersect(p.Identities, set);
                    if (!ids.IsEmpty) result.Add(new IrMatch(new IrPeer(ids, p.Block), [range]));
                }
            }
        return result;
    }

    public static PortSpec FromPolicyPorts(IReadOnlyList<PolicyPort> ports)
    {
        if (ports.Count == 0) return PortSpec.Any;
        var spec = new PortSpec(false, [], []);
        foreach (var p in ports)
        {
            if (p.Port is null) spec.Ranges.Add(new IrPortRange(p.Protocol, 1, 65535));
            else if (p.Port.Value.Name is { } name) spec.Names.Add((name, p.Protocol));
            else spec.Ranges.Add(new IrPortRange(p.Protocol, p.Port.Value.Number, p.EndPort ?? p.Port.Value.Number));
        }
        return spec;
    }
}
