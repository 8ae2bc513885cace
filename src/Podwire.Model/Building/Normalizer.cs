using k8s.Models;

namespace Podwire.Model.Building;

/// <summary>Defaulting for the small kinds; the larger ones have normalizers of their own.</summary>
internal static class Normalizer
{
    public static string Ns(V1ObjectMeta? meta) => string.IsNullOrEmpty(meta?.NamespaceProperty) ? "default" : meta.NamespaceProperty;

    public static Labels L(IDictionary<string, string>? d) => d is null || d.Count == 0 ? Labels.Empty : Labels.From(d);

    public static Protocol Proto(string? p) => p switch
    {
        "UDP" => Protocol.UDP,
        "SCTP" => Protocol.SCTP,
        _ => Protocol.TCP,
    };

    public static PortRef? PortRef(IntOrString? v)
    {
        if (v?.Value is null) return null;
        return int.TryParse(v.Value, System.Globalization.NumberStyles.None, null, out int n) ? Model.PortRef.Of(n) : Model.PortRef.Named(v.Value);
    }

    public static LabelSelector? Selector(V1LabelSelector? s)
    {
        if (s is null) return null;
        var exprs = s.MatchExpressions?.Select(e => new SelectorRequirement(e.Key, e.OperatorProperty switch
        {
            "In" => SelectorOperator.In,
            "NotIn" => SelectorOperator.NotIn,
            "Exists" => SelectorOperator.Exists,
            _ => SelectorOperator.DoesNotExist,
        }, (IReadOnlyList<string>?)e.Values?.ToArray() ?? [])).ToArray() ?? [];
        return new LabelSelector(L(s.MatchLabels), exprs);
    }

    public static ClusterNamespace Namespace(V1Namespace n, SourceLocation loc)
    {
        // The API server stamps every namespace with its immutable name label.
        var labels = L(n.Metadata.Labels).With(ClusterNamespace.NameLabel, n.Metadata.Name);
        return new ClusterNamespace(n.Metadata.Name, labels, L(n.Metadata.Annotations), loc);
    }

    public static Node Node(V1Node n, SourceLocation loc)
    {
        var cidrs = n.Spec?.PodCIDRs?.ToArray() ?? (n.Spec?.PodCIDR is { } c ? [c] : []);
        var ip = n.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address;
        var readyCond = n.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        bool ready = readyCond is null || readyCond.Status == "True";
        return new Node(n.Metadata.Name, L(n.Metadata.Labels), n.Spec?.PodCIDR ?? cidrs.FirstOrDefault(), cidrs, ip, ready, loc);
    }

    public static ServiceAccount Account(V1ServiceAccount a, SourceLocation loc) =>
        new(Ns(a.Metadata), a.Metadata.Name, L(a.Metadata.Labels), a.AutomountServiceAccountToken ?? true, loc);

    public static Secret Secret(V1Secret s, SourceLocation loc)
    {
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (s.Data is not null) foreach (var (k, v) in s.Data) data[k] = v;
        // stringData is write-only in the API: the server merges it into data.
        if (s.StringData is not null) foreach (var (k, v) in s.StringData) data[k] = System.Text.Encoding.UTF8.GetBytes(v);
        return new Secret(Ns(s.Metadata), s.Metadata.Name, s.Type ?? "Opaque", data, loc);
    }
}
