using System.Net;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Policy.Admin;
using Podwire.Policy.Identity;
using Podwire.Policy.Ir;

namespace Podwire.Policy.Engine;

/// <summary>
/// Answers "may A reach B on this port?" for a derived cluster, from the IR. Built once; every
/// query after that is a lookup. Immutable and safe to share between threads.
/// </summary>
public sealed class PolicyEngine
{
    public DerivedCluster Cluster { get; }
    public IdentityTable Identities { get; }
    public PolicyIr Ir { get; }
    public IReadOnlyList<AdminPolicy> AdminPolicies { get; }
    /// <summary>Problems found reading the admin policies (NetworkPolicies are validated by the model).</summary>
    public IReadOnlyList<Problem> Problems { get; }
    internal PodAddresses Addresses { get; }

    private PolicyEngine(DerivedCluster cluster, IdentityTable ids, PolicyIr ir, IReadOnlyList<AdminPolicy> admin, IReadOnlyList<Problem> problems)
    {
        Cluster = cluster;
        Identities = ids;
        Ir = ir;
        AdminPolicies = admin;
        Problems = problems;
        Addresses = new PodAddresses(cluster);
    }

    public static PolicyEngine Build(DerivedCluster cluster)
    {
        var problems = new List<Problem>();
        var admin = AdminPolicyReader.ReadAll(cluster.Input.Other, problems);
        var ids = IdentityTable.Build(cluster);
        var ir = IrBuilder.Build(cluster, ids, admin);
        return new PolicyEngine(cluster, ids, ir, admin, problems);
    }

    /// <summary>The admin policies (ANP and BANP) whose subject selects <paramref name="pod"/>, as the IR was built.</summary>
    public IReadOnlyList<AdminPolicy> AdminPoliciesSelecting(Pod pod)
    {
        int index = Identities.IndexOf(pod);
        if (index < 0) return [];
        int id = Identities.IdentityOfPodAt(index);
        var selectors = new Podwire.Policy.Ir.SelectorIndex(Identities);
        var result = new List<AdminPolicy>();
        foreach (var a in AdminPolicies)
            if (Podwire.Policy.Ir.IrBuilder.AdminSubjectSet(a, selectors).Contains(id)) result.Add(a);
        return result;
    }

    /// <summary>A resolved end: its pod index (-1 for none), identity and address.</summary>
    internal readonly record struct End(int Pod, int Identity, IPAddress? Ip, string? Node, string Name);

    internal End Resolve(NetEndpoint e)
    {
        int index = e.Pod is { } pod ? Identities.IndexOf(pod) : e.Address is { } a ? Addresses.PodAt(a) : -1;
        if (index >= 0)
        {
            var p = Identities.Pods[index];
            return new End(index, Identities.IdentityOfPodAt(index), Addresses.PodIp(index), p.NodeName, p.Key);
        }
        var ip = e.Address ?? (e.Pod?.PodIP is { } s && IPAddress.TryParse(s, out var parsed) ? parsed : null);
        string? node = ip is null ? null : Addresses.NodeAt(ip);
        return new End(-1, node is null ? IdentityTable.World : IdentityTable.Host, ip, node, e.ToString());
    }

    public Verdict Reach(NetEndpoint from, NetEndpoint to, int port, Protocol protocol)
    {
        var src = Resolve(from);
        var dst = Resolve(to);
        DirectionVerdict egress, ingress;
        if (src.Pod >= 0 && src.Pod == dst.Pod)
        {
            egress = new DirectionVerdict(true, false, DecidedBy.Self, null, [], [], [], $"{src.Name} reaching its own address is always allowed");
            ingress = egress;
        }
        else
        {
            egress = IsSubject(src)
                ? DirectionDecider.Decide(Ir.For(Direction.Egress, src.Identity), Direction.Egress, src.Name, dst.Name, dst.Identity, dst.Ip, port, protocol)
                : NotSubject(src, "egress from");
            if (!IsSubject(dst)) ingress = NotSubject(dst, "ingress to");
            else if (src.Node is not null && src.Identity == IdentityTable.Host && src.Node == dst.Node)
                ingress = new DirectionVerdict(true, false, DecidedBy.Node, null, [], [], [],
                    $"ingress to {dst.Name}: traffic from its own node {dst.Node} is always allowed");
            else
                ingress = DirectionDecider.Decide(Ir.For(Direction.Ingress, dst.Identity), Direction.Ingress, dst.Name, src.Name, src.Identity, src.Ip, port, protocol);
        }
        bool allowed = egress.Allowed && ingress.Allowed;
        string reason = allowed ? $"allowed: {egress.Reason}; {ingress.Reason}"
            : !egress.Allowed ? $"denied: {egress.Reason}" : $"denied: {ingress.Reason}";
        return new Verdict(allowed, egress, ingress, reason);
    }

    private static bool IsSubject(End e) => e.Pod >= 0 && e.Identity >= IdentityTable.FirstPodIdentity;

    private static DirectionVerdict NotSubject(End e, string side)
    {
        string what = e.Identity == IdentityTable.Host ? $"{e.Name} is a node address (node {e.Node})"
            : e.Pod >= 0 ? $"{e.Name} has no policy identity" : $"{e.Name} is outside the cluster";
        return new DirectionVerdict(true, false, DecidedBy.NotSubject, null, [], [], [], $"{side} {e.Name}: not subject to policy: {what}");
    }

    /// <summary>Allowed-pair counts over all ordered pod pairs (self pairs included), by equivalence classes and bitsets.</summary>
    public MatrixCount MatrixCounts(int port, Protocol protocol) => new MatrixEvaluator(this).Count(port, protocol);

    /// <summary>Every ordered pod pair with its verdict, in cluster pod order; meant for small clusters.</summary>
    public IReadOnlyList<MatrixCell> Matrix(int port, Protocol protocol) => new MatrixEvaluator(this).Cells(port, protocol);
}
