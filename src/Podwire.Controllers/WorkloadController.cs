using System.Globalization;
using System.Text;
using Podwire.Model;

namespace Podwire.Controllers;

/// <summary>
/// Expands Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs into the pods their
/// controllers would create, named the way those controllers name them. Why: Services,
/// policies and DNS select pods, and almost nobody writes bare pods. Random suffixes are
/// replaced by hashes of (namespace, name, template, replica index) so the same input always
/// gives the same pod names.
/// </summary>
public static class WorkloadController
{
    public const string PodTemplateHashLabel = "pod-template-hash";
    public const string StatefulSetPodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyJobNameLabel = "job-name";

    /// <summary>The pods of every workload (not the input pods), sorted (namespace, name).</summary>
    public static IReadOnlyList<Pod> Expand(IReadOnlyList<Workload> workloads, IReadOnlyList<Pod> existingPods, IReadOnlyList<Node> nodes)
    {
        if (workloads.Count == 0) return [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in existingPods)
        {
            names.Add(p.Key);
            // Pods already in the input that name this workload as owner are its pods (a cluster dump): do not double them.
            if (p.Owner is not null) claimed.Add(p.Namespace + "/" + p.Owner.Kind + "/" + p.Owner.Name);
        }
        var sorted = Ordering.Sorted(workloads, static (a, b) =>
        {
            int c = string.CompareOrdinal(a.Namespace, b.Namespace);
            if (c != 0) return c;
            c = string.CompareOrdinal(a.Name, b.Name);
            return c != 0 ? c : a.Kind.CompareTo(b.Kind);
        });
        var deploymentsWithReplicaSet = DeploymentsWithReplicaSet(sorted);
        var result = new List<Pod>();
        foreach (var w in sorted)
        {
            if (claimed.Contains(w.Namespace + "/" + w.Kind + "/" + w.Name)) continue;
            if (w.Kind == WorkloadKind.Deployment && deploymentsWithReplicaSet.Contains(w.Namespace + "/" + w.Name)) continue;
            switch (w.Kind)
            {
                case WorkloadKind.Deployment: ExpandDeployment(w, names, result); break;
                case WorkloadKind.ReplicaSet: ExpandGenerated(w, w.Name + "-", w.Replicas, names, result); break;
                case WorkloadKind.Job: ExpandGenerated(w, w.Name + "-", w.Replicas, names, result, job: true); break;
                case WorkloadKind.StatefulSet: ExpandStatefulSet(w, names, result); break;
                case WorkloadKind.DaemonSet: ExpandDaemonSet(w, nodes, names, result); break;
            }
        }
        return Ordering.Sorted(result, Ordering.ComparePods);
    }

    // A dump holds a Deployment and the ReplicaSet it made (named <deploy>-<hash>, template labelled with that hash):
    // the ReplicaSet expands, the Deployment must not expand a second set of pods.
    private static HashSet<string> DeploymentsWithReplicaSet(Workload[] all)
    {
        var owners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in all)
        {
            if (w.Kind != WorkloadKind.ReplicaSet) continue;
            string? hash = w.Template.Labels.Get(PodTemplateHashLabel);
            if (hash is null || !w.Name.EndsWith("-" + hash, StringComparison.Ordinal)) continue;
            owners.Add(w.Namespace + "/" + w.Name[..^(hash.Length + 1)]);
        }
        return owners;
    }

    /// <summary>The pod-template-hash a Deployment stamps on its ReplicaSet and pods: 10 safe characters.</summary>
    public static string PodTemplateHash(Workload w) =>
        StableHash.Safe(StableHash.Mix(TemplateHash(w)), 10);

    private static ulong TemplateHash(Workload w)
    {
        ulong h = StableHash.Fnv1a(w.Namespace);
        h = StableHash.Add(h, '/');
        h = StableHash.Add(h, w.Name);
        h = StableHash.Add(h, '/');
        return StableHash.Add(h, Canonical(w.Template));
    }

    private static void ExpandDeployment(Workload w, HashSet<string> names, List<Pod> result)
    {
        string hash = PodTemplateHash(w);
        var template = w.Template with { Labels = w.Template.Labels.With(PodTemplateHashLabel, hash) };
        ExpandGenerated(w with { Template = template }, w.Name + "-" + hash + "-", w.Replicas, names, result);
    }

    private static void ExpandGenerated(Workload w, string prefix, int count, HashSet<string> names, List<Pod> result, bool job = false)
    {
        ulong template = TemplateHash(w);
        var labels = job
            ? w.Template.Labels.With(JobNameLabel, w.Name).With(LegacyJobNameLabel, w.Name)
            : w.Template.Labels;
        for (int i = 0; i < count; i++)
        {
            string name = UniqueName(w.Namespace, prefix, StableHash.Add(template, i), names);
            result.Add(MakePod(w, name, labels, w.Template.NodeName));
        }
    }

    private static void ExpandStatefulSet(Workload w, HashSet<string> names, List<Pod> result)
    {
        for (int i = 0; i < w.Replicas; i++)
        {
            string name = w.Name + "-" + i.ToString(CultureInfo.InvariantCulture);
            // An input pod with this ordinal name is the StatefulSet's pod already; keep the user's copy.
            if (!names.Add(w.Namespace + "/" + name)) continue;
            var labels = w.Template.Labels
                .With(StatefulSetPodNameLabel, name)
                .With(PodIndexLabel, i.ToString(CultureInfo.InvariantCulture));
            var pod = MakePod(w, name, labels, w.Template.NodeName) with
            {
                Hostname = w.Template.Hostname ?? name,
                Subdomain = w.Template.Subdomain ?? w.ServiceName,
            };
            result.Add(pod);
        }
    }

    private static void ExpandDaemonSet(Workload w, IReadOnlyList<Node> nodes, HashSet<string> names, List<Pod> result)
    {
        ulong template = TemplateHash(w);
        foreach (var node in nodes)
        {
            string name = UniqueName(w.Namespace, w.Name + "-", StableHash.Add(StableHash.Add(template, '@'), node.Name), names);
            result.Add(MakePod(w, name, w.Template.Labels, node.Name));
        }
    }

    private static string UniqueName(string ns, string prefix, ulong seed, HashSet<string> names)
    {
        ulong h = StableHash.Mix(seed);
        while (true)
        {
            string name = StableHash.GenerateName(prefix, h);
            if (names.Add(ns + "/" + name)) return name;
            h = StableHash.Mix(h + 1); // the API server retries generateName collisions too
        }
    }

    private static Pod MakePod(Workload w, string name, Labels labels, string? nodeName) =>
        w.Template with
        {
            Namespace = w.Namespace,
            Name = name,
            Labels = labels,
            NodeName = nodeName,
            PodIP = null,
            PodIPs = [],
            Owner = new OwnerRef(w.Kind.ToString(), w.Name),
            Location = w.Location,
        };

    /// <summary>A stable text form of the template (records print lists by type name, so ToString is no use).</summary>
    private static string Canonical(Pod t)
    {
        var sb = new StringBuilder();
        sb.Append(t.Labels).Append('|').Append(t.Annotations).Append('|').Append(t.HostNetwork)
          .Append('|').Append(t.Hostname).Append('|').Append(t.Subdomain).Append('|').Append(t.ServiceAccountName)
          .Append('|').Append(t.DnsPolicy).Append('|').Append(t.NodeName);
        foreach (var c in t.ContainerNames) sb.Append("|c:").Append(c);
        foreach (var p in t.Ports)
            sb.Append("|p:").Append(p.Container).Append(':').Append(p.Name).Append(':').Append(p.Port)
              .Append('/').Append(p.Protocol).Append(':').Append(p.HostPort);
        if (t.Command is not null) foreach (var a in t.Command) sb.Append("|a:").Append(a);
        return sb.ToString();
    }
}
