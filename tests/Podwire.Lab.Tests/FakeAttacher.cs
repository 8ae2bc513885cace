using Podwire.Datapath;
using Podwire.Lab.Topology;

namespace Podwire.Lab.Tests;

/// <summary>
/// The CNI side of the lab in memory: which pods are attached where and with which address, how
/// many ADDs ran, and a pod that fails its ADD as a plugin would (the runtime's message).
/// </summary>
public sealed class FakeAttacher : IPodAttacher
{
    private readonly HashSet<string> _attached = [];
    private int _attaches;

    public Func<PodPlan, bool> Fails { get; set; } = _ => false;

    /// <summary>"ns/name@node=ip" for every pod attached now.</summary>
    public IReadOnlyCollection<string> Attached { get { lock (_attached) return [.. _attached]; } }

    public int Attaches => Volatile.Read(ref _attaches);

    public void Attach(LabPlan plan, NodePlan node, PodPlan pod)
    {
        Interlocked.Increment(ref _attaches);
        if (Fails(pod)) throw new DatapathException($"CNI ADD for pod {pod.Key} failed in plugin podwire-cni: code 11: no addresses left");
        lock (_attached) _attached.Add(Key(node, pod));
    }

    public void Detach(LabPlan plan, NodePlan node, PodPlan pod) { lock (_attached) _attached.Remove(Key(node, pod)); }

    public void Reconcile(LabPlan plan, NodePlan node, IReadOnlyList<PodPlan> pods) { }

    private static string Key(NodePlan node, PodPlan pod) => $"{pod.Key}@{node.Name}={pod.IP}";
}
