using k8s;
using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>Kind names and references for KubernetesClient objects, whether or not <c>kind</c> was set.</summary>
public static class ObjectKinds
{
    /// <summary>The object's kind; objects built in code often leave <c>Kind</c> empty, so fall back to the type.</summary>
    public static string KindOf(IKubernetesObject obj)
    {
        if (!string.IsNullOrEmpty(obj.Kind)) return obj.Kind;
        return obj switch
        {
            V1Namespace => "Namespace",
            V1Node => "Node",
            V1Pod => "Pod",
            V1Service => "Service",
            V1Endpoints => "Endpoints",
            V1EndpointSlice => "EndpointSlice",
            V1Ingress => "Ingress",
            V1IngressClass => "IngressClass",
            V1NetworkPolicy => "NetworkPolicy",
            V1ServiceAccount => "ServiceAccount",
            V1Secret => "Secret",
            V1Deployment => "Deployment",
            V1ReplicaSet => "ReplicaSet",
            V1StatefulSet => "StatefulSet",
            V1DaemonSet => "DaemonSet",
            V1Job => "Job",
            _ => obj.GetType().Name,
        };
    }

    /// <summary>Cluster-scoped kinds among those Podwire reads.</summary>
    public static bool IsClusterScoped(string kind) => kind is "Namespace" or "Node" or "IngressClass";

    public static V1ObjectMeta? MetaOf(IKubernetesObject obj) => (obj as IMetadata<V1ObjectMeta>)?.Metadata;

    /// <summary>The namespace the API server would store: "default" when a namespaced object names none.</summary>
    public static string? EffectiveNamespace(IKubernetesObject obj, string kind)
    {
        if (IsClusterScoped(kind)) return null;
        var ns = MetaOf(obj)?.NamespaceProperty;
        return string.IsNullOrEmpty(ns) ? "default" : ns;
    }

    public static ObjectRef RefOf(IKubernetesObject obj)
    {
        var kind = KindOf(obj);
        return new ObjectRef(kind, EffectiveNamespace(obj, kind), MetaOf(obj)?.Name ?? "");
    }
}
