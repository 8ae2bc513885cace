using Podwire.Model;

namespace Podwire.Semantics.Ingress;

/// <summary>Decides which Ingresses our controller (<see cref="Controller"/>) serves.</summary>
/// <remarks>
/// In order: <c>spec.ingressClassName</c> must name an IngressClass whose controller is ours;
/// else the deprecated <c>kubernetes.io/ingress.class</c> annotation must be "podwire" or name
/// such a class; else (no class at all) the Ingress is ours when some default class
/// (<c>ingressclass.kubernetes.io/is-default-class: "true"</c>) is ours, as admission would
/// have assigned it. When the manifests hold no IngressClass at all, every Ingress is ours:
/// analysing bare manifests should route them rather than ignore them all.
/// </remarks>
public static class IngressClassSelector
{
    public const string Controller = "podwire.io/ingress";
    public const string LegacyClassValue = "podwire";

    public static bool IsOurs(Podwire.Model.Ingress ingress, IReadOnlyList<IngressClass> classes, out string reason)
    {
        if (classes.Count == 0)
        {
            reason = "no IngressClass objects in the manifests: every Ingress is served";
            return true;
        }
        if (!string.IsNullOrEmpty(ingress.ClassName))
            return ByName(ingress.ClassName, classes, "ingressClassName", out reason);

        var annotation = ingress.Annotations.Get(Podwire.Model.Ingress.ClassAnnotation);
        if (!string.IsNullOrEmpty(annotation))
        {
            if (annotation == LegacyClassValue)
            {
                reason = $"annotation {Podwire.Model.Ingress.ClassAnnotation}={LegacyClassValue}";
                return true;
            }
            return ByName(annotation, classes, "annotation " + Podwire.Model.Ingress.ClassAnnotation, out reason);
        }

        foreach (var c in classes)
            if (c.IsDefault && c.Controller == Controller)
            {
                reason = $"no class named; default IngressClass {c.Name} is ours";
                return true;
            }
        reason = "no class named and no default IngressClass with controller " + Controller;
        return false;
    }

    private static bool ByName(string name, IReadOnlyList<IngressClass> classes, string via, out string reason)
    {
        foreach (var c in classes)
        {
            if (c.Name != name) continue;
            bool ours = c.Controller == Controller;
            reason = ours ? $"{via} {name} (controller {Controller})" : $"{via} {name} belongs to controller {c.Controller}";
            return ours;
        }
        reason = $"{via} {name}: no such IngressClass";
        return false;
    }

    /// <summary>Our Ingresses, ordered by (namespace, name).</summary>
    public static IReadOnlyList<Podwire.Model.Ingress> Ours(IReadOnlyList<Podwire.Model.Ingress> ingresses, IReadOnlyList<IngressClass> classes)
    {
        var list = new List<Podwire.Model.Ingress>();
        foreach (var i in ingresses) if (IsOurs(i, classes, out _)) list.Add(i);
        list.Sort(static (a, b) =>
        {
            int c = string.CompareOrdinal(a.Namespace, b.Namespace);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        return list;
    }
}
