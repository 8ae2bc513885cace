using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>
/// Deployment, ReplicaSet, StatefulSet, DaemonSet and Job: replicas, a selector that matches the
/// template's labels, and the pod template itself (pod rules under <c>spec.template.spec</c>).
/// </summary>
public static class WorkloadRules
{
    public static void Check(ProblemSink sink, string kind, int? replicas, V1LabelSelector? selector,
        bool selectorRequired, V1PodTemplateSpec? template)
    {
        if (replicas is int r && r < 0) sink.Add("spec.replicas", FieldErrors.Invalid(r, "must be greater than or equal to 0"));

        if (selector is null)
        {
            if (selectorRequired) sink.Add("spec.selector", FieldErrors.Required);
        }
        else
        {
            SelectorRules.CheckSelector(sink, "spec.selector", selector);
            if (SelectorRules.IsEmpty(selector))
                sink.Add("spec.selector", FieldErrors.InvalidRaw("{}", $"empty selector is invalid for {kind.ToLowerInvariant()}"));
            else if (template is not null && !SelectorRules.Matches(selector, template.Metadata?.Labels))
                sink.Add("spec.template.metadata.labels",
                    FieldErrors.InvalidRaw(FieldErrors.GoMap(template.Metadata?.Labels), "`selector` does not match template `labels`"));
        }

        if (template is null) { sink.Add("spec.template", FieldErrors.Required); return; }
        MetaRules.CheckTemplate(sink, "spec.template.metadata", template.Metadata);
        PodRules.CheckSpec(sink, "spec.template.spec", template.Spec);
    }

    public static void CheckStatefulSet(ProblemSink sink, V1StatefulSetSpec? spec)
    {
        // The governing Service names the pods' DNS domain, so it must be a valid Service name.
        if (!string.IsNullOrEmpty(spec?.ServiceName))
            NameRules.Report(sink, "spec.serviceName", spec.ServiceName, NameRules.Dns1035Label(spec.ServiceName));
        Check(sink, "StatefulSet", spec?.Replicas, spec?.Selector, true, spec?.Template);
    }
}
