using k8s;
using k8s.Models;
using Podwire.Model.Validation;

namespace Podwire.Model.Building;

/// <summary>An object as read from a manifest, before validation: the typed object and where it came from.</summary>
public sealed record SourceObject(object Object, string Kind, SourceLocation Location);

public sealed record BuildResult(ClusterModel? Model, IReadOnlyList<Problem> Problems)
{
    public bool Ok => Model is not null;
}

/// <summary>
/// Validates every object (all problems in one pass) and, only when nothing is wrong, normalizes
/// them into the immutable model with the API server's defaults applied. Nothing is half-built:
/// one problem anywhere means no model.
/// </summary>
public static class ModelBuilder
{
    public static BuildResult Build(IReadOnlyList<SourceObject> objects, ClusterOptions options)
    {
        var problems = new List<Problem>();
        var typed = new List<(IKubernetesObject Obj, SourceLocation Location)>(objects.Count);
        foreach (var o in objects)
        {
            if (o.Object is IKubernetesObject<V1ObjectMeta> k)
            {
                var sink = new ProblemSink(problems, o.Location, RefOf(o.Kind, k.Metadata));
                ObjectValidator.Validate(k, sink, options);
                typed.Add((k, o.Location));
            }
        }
        CrossObjectValidator.Validate(typed, problems, options);
        if (problems.Count > 0) return new BuildResult(null, problems);
        return new BuildResult(Normalize(objects, options), problems);
    }

    public static ObjectRef RefOf(string kind, V1ObjectMeta? meta) =>
        new(kind, IsNamespaced(kind) ? meta?.NamespaceProperty ?? "default" : null, meta?.Name ?? "");

    public static bool IsNamespaced(string kind) =>
        kind is not ("Namespace" or "Node" or "IngressClass" or "AdminNetworkPolicy" or "BaselineAdminNetworkPolicy");

    private static ClusterModel Normalize(IReadOnlyList<SourceObject> objects, ClusterOptions options)
    {
        var namespaces = new List<ClusterNamespace>();
        var nodes = new List<Node>();
        var pods = new List<Pod>();
        var workloads = new List<Workload>();
        var services = new List<Service>();
        var slices = new List<EndpointSlice>();
        var ingresses = new List<Ingress>();
        var classes = new List<IngressClass>();
        var policies = new List<NetworkPolicy>();
        var accounts = new List<ServiceAccount>();
        var secrets = new List<Secret>();
        var other = new List<RawObject>();
        foreach (var o in objects)
        {
            var loc = o.Location;
            switch (o.Object)
            {
                case V1Namespace n: namespaces.Add(Normalizer.Namespace(n, loc)); break;
                case V1Node n: nodes.Add(Normalizer.Node(n, loc)); break;
                case V1Pod p: pods.Add(PodNormalizer.Pod(p, loc)); break;
                case V1Deployment d: workloads.Add(PodNormalizer.Workload(WorkloadKind.Deployment, d.Metadata, d.Spec.Replicas ?? 1, null, d.Spec.Template, loc)); break;
                case V1ReplicaSet r: workloads.Add(PodNormalizer.Workload(WorkloadKind.ReplicaSet, r.Metadata, r.Spec.Replicas ?? 1, null, r.Spec.Template, loc)); break;
                case V1StatefulSet s: workloads.Add(PodNormalizer.Workload(WorkloadKind.StatefulSet, s.Metadata, s.Spec.Replicas ?? 1, s.Spec.ServiceName, s.Spec.Template, loc)); break;
                case V1DaemonSet d: workloads.Add(PodNormalizer.Workload(WorkloadKind.DaemonSet, d.Metadata, 0, null, d.Spec.Template, loc)); break;
                case V1Job j: workloads.Add(PodNormalizer.Workload(WorkloadKind.Job, j.Metadata, j.Spec.Parallelism ?? 1, null, j.Spec.Template, loc)); break;
                case V1Service s: services.Add(ServiceNormalizer.Service(s, loc)); break;
                case V1EndpointSlice s: slices.Add(ServiceNormalizer.Slice(s, loc)); break;
                case V1Endpoints e: slices.AddRange(ServiceNormalizer.Mirror(e, loc)); break;
                case V1Ingress i: ingresses.Add(IngressNormalizer.Ingress(i, loc)); break;
                case V1IngressClass c: classes.Add(IngressNormalizer.Class(c, loc)); break;
                case V1NetworkPolicy p: policies.Add(PolicyNormalizer.Policy(p, loc)); break;
                case V1ServiceAccount a: accounts.Add(Normalizer.Account(a, loc)); break;
                case V1Secret s: secrets.Add(Normalizer.Secret(s, loc)); break;
                case RawObject r: other.Add(r); break;
            }
        }
        return new ClusterModel(options, namespaces, nodes, pods, workloads, services, slices, ingresses, classes,
            policies, accounts, secrets, other);
    }
}
