using Podwire.Cni.Runtime;
using Podwire.Datapath;
using Podwire.Lab.Topology;

namespace Podwire.Lab.Cni;

/// <summary>
/// The lab acting as a container runtime: each pod is attached on its node by running the node's
/// conflist through <see cref="CniRuntime"/> (plugins executed inside the node's namespace, exactly
/// as libcni would), with the IP the analyzer derived requested through CNI_ARGS.
/// </summary>
public sealed class CniAttacher(ICommandRunner runner, LabPaths paths, string cniPath) : IPodAttacher
{
    private readonly string[] _dirs = cniPath.Split(':', StringSplitOptions.RemoveEmptyEntries);

    private CniRuntime For(NodePlan node) => new(_dirs, paths.CniCache, runner, node.Netns);

    private ConfList Conf(NodePlan node) => ConfList.Parse(File.ReadAllText(paths.ConfList(node.Name)));

    public void Attach(LabPlan plan, NodePlan node, PodPlan pod)
    {
        var r = For(node).Add(Conf(node), Invocation(pod));
        if (!r.Ok) throw new DatapathException($"CNI ADD for pod {pod.Key} failed in plugin {r.FailedPlugin}: code {r.Error?.Code}: {r.Error?.Msg} {r.Error?.Details}".TrimEnd());
    }

    public void Detach(LabPlan plan, NodePlan node, PodPlan pod)
    {
        var r = For(node).Del(Conf(node), Invocation(pod));
        if (!r.Ok) throw new DatapathException($"CNI DEL for pod {pod.Key} failed in plugin {r.FailedPlugin}: code {r.Error?.Code}: {r.Error?.Msg} {r.Error?.Details}".TrimEnd());
    }

    public void Reconcile(LabPlan plan, NodePlan node, IReadOnlyList<PodPlan> pods)
    {
        // GC is CNI 1.1; Debian's reference plugins speak 1.0 and would refuse it.
        if (plan.Options.ReferenceCni) return;
        var r = For(node).Gc(Conf(node), pods.Select(p => new CniAttachment(p.ContainerId, LabNames.PodInterface)));
        if (!r.Ok) throw new DatapathException($"CNI GC failed in plugin {r.FailedPlugin}: code {r.Error?.Code}: {r.Error?.Msg}");
    }

    // IP= in CNI_ARGS is how host-local (and podwire-ipam) take a requested address: the lab keeps
    // the addresses the analyzer derived, so both sides talk about the same pods.
    private static CniInvocation Invocation(PodPlan pod) =>
        new(pod.ContainerId, Netns.PathOf(pod.Netns), LabNames.PodInterface,
            $"IgnoreUnknown=1;IP={pod.IP};K8S_POD_NAMESPACE={pod.Namespace};K8S_POD_NAME={pod.Name}");
}
