using Podwire.Datapath;
using Podwire.Lab.Backends;
using Podwire.Lab.Topology;

namespace Podwire.Lab;

/// <summary>Sets pods' interfaces up and down; the lab does it through a CNI plugin, as a runtime would.</summary>
public interface IPodAttacher
{
    void Attach(LabPlan plan, NodePlan node, PodPlan pod);
    void Detach(LabPlan plan, NodePlan node, PodPlan pod);

    /// <summary>Releases whatever the network holds for pods not in <paramref name="pods"/> (CNI GC).</summary>
    void Reconcile(LabPlan plan, NodePlan node, IReadOnlyList<PodPlan> pods);
}

/// <summary>
/// Builds a lab plan in the kernel and takes it down again. Every step is batched (one
/// <c>ip -batch</c> per namespace, one <c>nft -f</c> per node) and everything created carries the
/// lab's <c>pw-&lt;cluster&gt;-</c> prefix.
/// </summary>
public sealed class LabBuilder(ICommandRunner runner, LabPaths paths, IPodAttacher attacher, Action<string>? progress = null)
{
    private void Say(string s) => progress?.Invoke(s);

    public void BuildNetwork(LabPlan plan, IBackend backend)
    {
        Say($"creating {plan.Nodes.Count + 1} namespaces");
        var ns = new IpBatch();
        foreach (var l in LabRenderer.CreateNamespaces(plan)) ns.Add(l);
        ns.Apply(runner);
        Say("wiring the underlay switch");
        Apply(LabRenderer.Underlay(plan));
        foreach (var n in plan.Nodes)
        {
            Say($"configuring node {n.Name} ({backend.Name})");
            Apply(LabRenderer.Node(plan, n, backend));
            Directory.CreateDirectory(paths.IpamDir(n.Name));
            Directory.CreateDirectory(paths.CniDir);
            File.WriteAllText(paths.ConfList(n.Name), LabRenderer.ConfList(plan, n, paths.IpamDir(n.Name)));
        }
    }

    public void AddPods(LabPlan plan, IReadOnlyList<PodPlan> pods, int parallelism = 4)
    {
        var nodes = plan.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var create = new IpBatch();
        foreach (var p in pods) create.Add($"netns add {p.Netns}");
        create.Apply(runner);
        int done = 0;
        Parallel.ForEach(pods, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, p =>
        {
            attacher.Attach(plan, nodes[p.Node], p);
            WriteEtc(plan, p);
            int n = Interlocked.Increment(ref done);
            if (n % 25 == 0 || n == pods.Count) Say($"pods {n}/{pods.Count} attached");
        });
    }

    /// <summary>CNI GC on every node: addresses leaked by a crash or a failed DEL are reclaimed.</summary>
    public void Reconcile(LabPlan plan)
    {
        foreach (var node in plan.Nodes)
        {
            try { attacher.Reconcile(plan, node, plan.Pods.Where(p => p.Node == node.Name).ToList()); }
            catch (DatapathException e) { Say($"warning: CNI GC on {node.Name}: {e.Message}"); }
        }
    }

    public void RemovePods(LabPlan plan, IReadOnlyList<PodPlan> pods)
    {
        var nodes = plan.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        foreach (var p in pods)
        {
            if (nodes.TryGetValue(p.Node, out var node))
            {
                try { attacher.Detach(plan, node, p); }
                catch (DatapathException e) { Say($"warning: CNI DEL for {p.Key}: {e.Message}"); }
            }
        }
        var del = new IpBatch();
        foreach (var p in pods) del.Add($"netns del {p.Netns}");
        del.Apply(runner, force: true);
        foreach (var p in pods) DeleteDir(LabPaths.EtcNetns(p.Netns));
    }

    /// <summary>/etc/netns/&lt;pod&gt;/hosts, bind-mounted over /etc/hosts by <c>ip netns exec</c>, as kubelet writes it.</summary>
    private static void WriteEtc(LabPlan plan, PodPlan p)
    {
        var dir = LabPaths.EtcNetns(p.Netns);
        Directory.CreateDirectory(dir);
        var host = p.Pod.Hostname ?? p.Name;
        var fqdn = p.Pod.Hostname is not null && p.Pod.Subdomain is not null
            ? $"{p.Pod.Hostname}.{p.Pod.Subdomain}.{p.Namespace}.svc.cluster.local\t" : "";
        File.WriteAllText(Path.Combine(dir, "hosts"),
            "# Kubernetes-managed hosts file (podwire lab).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" +
            $"{p.IP}\t{fqdn}{host}\n");
    }

    private void Apply(NodeScript s)
    {
        foreach (var (k, v) in s.Sysctls)
        {
            var r = runner.Run("ip", ["netns", "exec", s.Netns, "sysctl", "-qw", $"{k.Replace('/', '.')}={v}"]);
            if (!r.Ok) throw new DatapathException($"sysctl {k} in {s.Netns} failed: {r.Stderr.Trim()}");
        }
        var ip = new IpBatch(s.Netns);
        foreach (var l in s.Ip) ip.Add(l);
        ip.Apply(runner);
        if (s.Bridge.Count > 0)
        {
            var r = runner.Run("bridge", ["-n", s.Netns, "-batch", "-"], string.Join("\n", s.Bridge) + "\n");
            if (!r.Ok) throw new DatapathException($"bridge -n {s.Netns} -batch failed: {r.Stderr.Trim()}");
        }
        if (s.Nft.Count > 0)
        {
            var r = runner.Run("ip", ["netns", "exec", s.Netns, "nft", "-f", "-"], string.Join("\n", s.Nft) + "\n");
            if (!r.Ok) throw new DatapathException($"nft in {s.Netns} failed: {r.Stderr.Trim()}");
        }
    }

    /// <summary>
    /// Removes everything a lab named <paramref name="names"/> created, whether or not its daemon
    /// is alive: every namespace with the lab's prefix, their /etc/netns folders and the state folder.
    /// </summary>
    public static int Teardown(ICommandRunner runner, LabNames names, LabPaths paths)
    {
        // Pod programs of a daemon that was killed (its supervisor could not stop them) go first.
        Processes.ProcessSupervisor.StopRecorded(paths.LogDir, TimeSpan.FromSeconds(3));
        var all = Netns.List(names.Prefix);
        // Pods first: deleting a pod namespace removes its veth, so nodes go quietly after.
        var ordered = all.OrderBy(n => n.Contains("-pod-", StringComparison.Ordinal) ? 0 : n.EndsWith("underlay", StringComparison.Ordinal) ? 2 : 1).ToList();
        var del = new IpBatch();
        foreach (var n in ordered) del.Add($"netns del {n}");
        del.Apply(runner, force: true);
        foreach (var n in all) DeleteDir(LabPaths.EtcNetns(n));
        if (Directory.Exists("/etc/netns"))
            foreach (var d in Directory.GetDirectories("/etc/netns", names.Prefix + "*")) DeleteDir(d);
        DeleteDir(paths.Root);
        return all.Count;
    }

    private static void DeleteDir(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        catch (IOException) { }
    }
}
