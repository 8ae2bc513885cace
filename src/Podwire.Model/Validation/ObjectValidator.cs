using k8s;
using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>
/// The API server's admission-time validation for one object, limited to what the network uses.
/// Every problem is reported (never only the first), with a kubectl-style field path and message.
/// </summary>
public static class ObjectValidator
{
    public static void Validate(IKubernetesObject obj, ProblemSink sink, ClusterOptions options)
    {
        switch (obj)
        {
            case V1Namespace ns:
                MetaRules.Check(sink, ns.Metadata, NameGrammar.Dns1123Label, namespaced: false);
                break;
            case V1Node node:
                MetaRules.Check(sink, node.Metadata, NameGrammar.Dns1123Subdomain, namespaced: false);
                NodeRules.Check(sink, node);
                break;
            case V1Pod pod:
                MetaRules.Check(sink, pod.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                PodRules.CheckSpec(sink, "spec", pod.Spec);
                PodRules.CheckStatus(sink, pod.Status);
                break;
            case V1Service svc:
                MetaRules.Check(sink, svc.Metadata, NameGrammar.Dns1035Label, namespaced: true);
                ServiceRules.Check(sink, svc.Spec, options, svc.Metadata?.Annotations);
                break;
            case V1EndpointSlice slice:
                MetaRules.Check(sink, slice.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                EndpointSliceRules.Check(sink, slice);
                break;
            case V1Ingress ing:
                MetaRules.Check(sink, ing.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                IngressRules.Check(sink, ing.Spec);
                break;
            case V1IngressClass cls:
                MetaRules.Check(sink, cls.Metadata, NameGrammar.Dns1123Subdomain, namespaced: false);
                IngressClassRules.Check(sink, cls.Spec);
                break;
            case V1NetworkPolicy np:
                MetaRules.Check(sink, np.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                PolicyRules.Check(sink, np.Spec);
                break;
            case V1Secret secret:
                MetaRules.Check(sink, secret.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                SecretRules.Check(sink, secret);
                break;
            case V1Deployment d:
                MetaRules.Check(sink, d.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                WorkloadRules.Check(sink, "Deployment", d.Spec?.Replicas, d.Spec?.Selector, true, d.Spec?.Template);
                break;
            case V1ReplicaSet rs:
                MetaRules.Check(sink, rs.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                WorkloadRules.Check(sink, "ReplicaSet", rs.Spec?.Replicas, rs.Spec?.Selector, true, rs.Spec?.Template);
                break;
            case V1StatefulSet sts:
                MetaRules.Check(sink, sts.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                WorkloadRules.CheckStatefulSet(sink, sts.Spec);
                break;
            case V1DaemonSet ds:
                MetaRules.Check(sink, ds.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                WorkloadRules.Check(sink, "DaemonSet", null, ds.Spec?.Selector, true, ds.Spec?.Template);
                break;
            case V1Job job:
                MetaRules.Check(sink, job.Metadata, NameGrammar.Dns1123Subdomain, namespaced: true);
                // The Job controller generates a selector unless the user opts into writing one.
                WorkloadRules.Check(sink, "Job", null, job.Spec?.Selector, job.Spec?.ManualSelector == true, job.Spec?.Template);
                break;
            default:
                // ServiceAccount, Endpoints and anything else: the metadata rules only.
                var kind = ObjectKinds.KindOf(obj);
                MetaRules.Check(sink, ObjectKinds.MetaOf(obj), NameGrammar.Dns1123Subdomain, !ObjectKinds.IsClusterScoped(kind));
                break;
        }
    }
}
