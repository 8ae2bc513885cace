using k8s.Models;
using static Podwire.Model.Building.Normalizer;

namespace Podwire.Model.Building;

internal static class IngressNormalizer
{
    public static Ingress Ingress(V1Ingress i, SourceLocation loc)
    {
        var spec = i.Spec ?? new V1IngressSpec();
        var rules = (spec.Rules ?? []).Select(r => new IngressRule(
            string.IsNullOrEmpty(r.Host) ? null : r.Host.ToLowerInvariant(),
            (r.Http?.Paths ?? []).Select(p => new IngressPath(
                string.IsNullOrEmpty(p.Path) ? "/" : p.Path,
                p.PathType switch { "Exact" => PathType.Exact, "Prefix" => PathType.Prefix, _ => PathType.ImplementationSpecific },
                Backend(p.Backend)!)).ToArray())).ToArray();
        var tls = (spec.Tls ?? []).Select(t => new IngressTls(t.Hosts?.Select(h => h.ToLowerInvariant()).ToArray() ?? [], t.SecretName)).ToArray();
        return new Ingress(Ns(i.Metadata), i.Metadata.Name, L(i.Metadata.Labels), L(i.Metadata.Annotations),
            spec.IngressClassName, Backend(spec.DefaultBackend), rules, tls, loc);
    }

    private static IngressBackend? Backend(V1IngressBackend? b)
    {
        if (b is null) return null;
        if (b.Service is { } s)
        {
            PortRef? port = s.Port?.Number is int n ? PortRef.Of(n) : s.Port?.Name is { } name ? PortRef.Named(name) : null;
            return new IngressBackend(s.Name, port, null, null);
        }
        return new IngressBackend(null, null, b.Resource?.Kind, b.Resource?.Name);
    }

    public static IngressClass Class(V1IngressClass c, SourceLocation loc) =>
        new(c.Metadata.Name, c.Spec?.Controller ?? "",
            c.Metadata.Annotations?.TryGetValue(IngressClass.DefaultAnnotation, out var d) == true && d == "true", loc);
}
