using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>Which grammar an object's name must follow (it differs by kind, as in the API server).</summary>
public enum NameGrammar { Dns1123Subdomain, Dns1123Label, Dns1035Label }

/// <summary>ObjectMeta checks: name, namespace, labels, annotations.</summary>
public static class MetaRules
{
    /// <summary>The API server's limit on the total size of an object's annotations (keys + values).</summary>
    public const int AnnotationsMaxBytes = 256 * 1024;

    public static void Check(ProblemSink sink, V1ObjectMeta? meta, NameGrammar grammar, bool namespaced)
    {
        if (string.IsNullOrEmpty(meta?.Name))
        {
            // generateName needs the server to pick a random suffix; a snapshot must be reproducible.
            if (!string.IsNullOrEmpty(meta?.GenerateName))
                sink.Add("metadata.generateName", FieldErrors.Forbidden("generateName is not supported: Podwire needs a fixed metadata.name"));
            else
                sink.Add("metadata.name", FieldErrors.Required);
        }
        else
        {
            CheckName(sink, "metadata.name", meta.Name, grammar);
        }
        if (meta is null) return;
        var ns = meta.NamespaceProperty;
        if (!string.IsNullOrEmpty(ns))
        {
            if (!namespaced) sink.Add("metadata.namespace", FieldErrors.Forbidden("not allowed on this type"));
            else NameRules.Report(sink, "metadata.namespace", ns, NameRules.Dns1123Label(ns));
        }
        SelectorRules.CheckLabels(sink, "metadata.labels", meta.Labels);
        CheckAnnotations(sink, "metadata.annotations", meta.Annotations);
    }

    public static void CheckName(ProblemSink sink, string path, string name, NameGrammar grammar) =>
        NameRules.Report(sink, path, name, grammar switch
        {
            NameGrammar.Dns1123Label => NameRules.Dns1123Label(name),
            NameGrammar.Dns1035Label => NameRules.Dns1035Label(name),
            _ => NameRules.Dns1123Subdomain(name),
        });

    /// <summary>Labels and annotations of a pod template (its name and namespace are ignored).</summary>
    public static void CheckTemplate(ProblemSink sink, string path, V1ObjectMeta? meta)
    {
        if (meta is null) return;
        SelectorRules.CheckLabels(sink, path + ".labels", meta.Labels);
        CheckAnnotations(sink, path + ".annotations", meta.Annotations);
    }

    public static void CheckAnnotations(ProblemSink sink, string path, IDictionary<string, string>? annotations)
    {
        if (annotations is null || annotations.Count == 0) return;
        long total = 0;
        foreach (var key in SelectorRules.SortedKeys(annotations))
        {
            // Annotation keys are checked case-insensitively upstream.
            NameRules.Report(sink, path, key, NameRules.QualifiedName(key.ToLowerInvariant()));
            total += key.Length + (annotations[key]?.Length ?? 0);
        }
        if (total > AnnotationsMaxBytes) sink.Add(path, FieldErrors.TooLong(AnnotationsMaxBytes));
    }
}
