using Podwire.Controllers;
using Podwire.Model;
using IngressObject = Podwire.Model.Ingress;

namespace Podwire.Semantics.Ingress;

/// <summary>
/// Where our ingress controller sends a request. <see cref="Ingress"/> and
/// <see cref="ServiceKey"/> are "ns/name"; both are null when nothing matched (a 404 from the
/// controller's own default). A backend that is a <c>resource</c> reference has an Ingress but
/// no ServiceKey. <see cref="MatchedHost"/> is the rule host ("" for a host-less rule, null for
/// a defaultBackend) and <see cref="MatchedPath"/> the rule path.
/// </summary>
public sealed record RouteResult(
    string? Ingress,
    string? ServiceKey,
    PortRef? Port,
    bool Tls,
    string Explanation,
    string? MatchedHost = null,
    string? MatchedPath = null,
    PathType? MatchedPathType = null)
{
    public bool Found => Ingress is not null;
}

/// <summary>
/// Routes a request (Host header, path) across all Ingresses our controller serves, merged per
/// host the way ingress-nginx merges them.
/// </summary>
/// <remarks>
/// Precedence, in order:
/// <list type="number">
/// <item>Rules whose host equals the request host; then, only if none of their paths matches,
/// wildcard rules (<c>*.suffix</c>, one label); then host-less rules.</item>
/// <item>Within that tier, the longest matching path (the Prefix rule's trailing '/' not
/// counted); on equal length Exact beats Prefix; then the first Ingress by (namespace, name),
/// then rule and path order.</item>
/// <item>If no path matches: the defaultBackend of the first Ingress (namespace, name) that has
/// one among those with a rule for the host (same tier order), then among those with no rules,
/// then any of ours with one (SPECS 4: an unmatched host also goes to the defaultBackend).</item>
/// <item>Otherwise nothing: the controller answers 404.</item>
/// </list>
/// <see cref="RouteResult.Tls"/> is true when any of our Ingresses lists the host (wildcards
/// honoured) in <c>spec.tls[].hosts</c>; the <c>tls</c> argument only shapes the explanation.
/// </remarks>
public static class IngressRouter
{
    private static readonly HostMatch[] Tiers = [HostMatch.Exact, HostMatch.Wildcard, HostMatch.CatchAll];

    public static RouteResult Route(DerivedCluster cluster, string host, string path, bool tls = false) =>
        Route(cluster.Input.Ingresses, cluster.Input.IngressClasses, host, path, tls);

    public static RouteResult Route(IReadOnlyList<IngressObject> ingresses, IReadOnlyList<IngressClass> classes, string host, string path, bool tls = false)
    {
        string h = IngressMatching.NormalizeHost(host);
        string p = IngressMatching.NormalizePath(path);
        var ours = IngressClassSelector.Ours(ingresses, classes);
        var tlsIngress = FindTls(ours, h);
        bool hasTls = tlsIngress is not null;
        string tlsNote = TlsNote(tls, hasTls, tlsIngress, h);

        if (ours.Count == 0)
            return new RouteResult(null, null, null, false, $"no Ingress is served by {IngressClassSelector.Controller}: 404" + tlsNote);

        foreach (var tier in Tiers)
        {
            Candidate? best = null;
            foreach (var ing in ours)
                foreach (var rule in ing.Rules)
                {
                    if (IngressMatching.MatchHost(rule.Host, h) != tier) continue;
                    foreach (var ip in rule.Paths)
                    {
                        if (!IngressMatching.MatchPath(ip.Path, ip.PathType, p)) continue;
                        var c = new Candidate(ing, rule, ip, IngressMatching.Specificity(ip.Path, ip.PathType));
                        if (best is null || c.Beats(best.Value)) best = c;
                    }
                }
            if (best is { } b)
            {
                string why = $"host {Describe(tier, b.Rule.Host)}, path {b.Path.Path} ({b.Path.PathType}) in Ingress {b.Ingress.Key} is the longest match for {p}";
                return Result(b.Ingress, b.Path.Backend, hasTls, why + tlsNote, b.Rule.Host ?? "", b.Path.Path, b.Path.PathType);
            }
        }

        foreach (var tier in Tiers)
            foreach (var ing in ours)
            {
                if (ing.DefaultBackend is null || !HasRuleFor(ing, h, tier)) continue;
                string why = $"no rule path matches {p}; defaultBackend of Ingress {ing.Key}, which has a rule for host {Describe(tier, null)}";
                return Result(ing, ing.DefaultBackend, hasTls, why + tlsNote, null, null, null);
            }
        foreach (var ing in ours)
        {
            if (ing.DefaultBackend is null || ing.Rules.Count > 0) continue;
            string why = $"no rule matches host {h} path {p}; defaultBackend of Ingress {ing.Key} (it has no rules)";
            return Result(ing, ing.DefaultBackend, hasTls, why + tlsNote, null, null, null);
        }
        // SPECS 4: when no host matches either, the request still goes to a spec.defaultBackend.
        foreach (var ing in ours)
        {
            if (ing.DefaultBackend is null) continue;
            string why = $"no rule matches host {h}; defaultBackend of Ingress {ing.Key}";
            return Result(ing, ing.DefaultBackend, hasTls, why + tlsNote, null, null, null);
        }
        return new RouteResult(null, null, null, hasTls, $"no rule matches host {h} path {p} and no defaultBackend applies: 404" + tlsNote);
    }

    private readonly record struct Candidate(IngressObject Ingress, IngressRule Rule, IngressPath Path, int Length)
    {
        // Candidates arrive in (namespace, name, rule, path) order, so only a strict win replaces.
        public bool Beats(Candidate other) =>
            Length != other.Length ? Length > other.Length
                : Path.PathType == PathType.Exact && other.Path.PathType != PathType.Exact;
    }

    private static bool HasRuleFor(IngressObject ing, string host, HostMatch tier)
    {
        foreach (var r in ing.Rules) if (IngressMatching.MatchHost(r.Host, host) == tier) return true;
        return false;
    }

    private static RouteResult Result(IngressObject ing, IngressBackend backend, bool tls, string why, string? host, string? path, PathType? type)
    {
        if (backend.ServiceName is null)
        {
            string res = backend.ResourceKind is null ? "an empty backend" : $"resource {backend.ResourceKind}/{backend.ResourceName}";
            return new RouteResult(ing.Key, null, null, tls, why + $"; backend is {res}, not a Service", host, path, type);
        }
        string svc = ing.Namespace + "/" + backend.ServiceName;
        return new RouteResult(ing.Key, svc, backend.ServicePort, tls, why + $" → Service {svc} port {backend.ServicePort?.ToString() ?? "?"}", host, path, type);
    }

    private static IngressObject? FindTls(IReadOnlyList<IngressObject> ours, string host)
    {
        foreach (var ing in ours)
            foreach (var t in ing.Tls)
                foreach (var th in t.Hosts)
                    if (IngressMatching.MatchHost(th, host) is HostMatch.Exact or HostMatch.Wildcard) return ing;
        return null;
    }

    private static string TlsNote(bool requestTls, bool hasTls, IngressObject? tlsIngress, string host) => (requestTls, hasTls) switch
    {
        (true, true) => $"; TLS for {host} terminated with the certificate of Ingress {tlsIngress!.Key}",
        (true, false) => $"; no Ingress lists {host} under spec.tls: the controller's default certificate is presented",
        (false, true) => $"; Ingress {tlsIngress!.Key} lists {host} under spec.tls",
        _ => "",
    };

    private static string Describe(HostMatch tier, string? ruleHost) => tier switch
    {
        HostMatch.Exact => ruleHost is null ? "(exact)" : ruleHost,
        HostMatch.Wildcard => ruleHost is null ? "(wildcard)" : ruleHost + " (wildcard)",
        _ => "(any: rule without host)",
    };
}
