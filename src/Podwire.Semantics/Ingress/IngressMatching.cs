using Podwire.Model;

namespace Podwire.Semantics.Ingress;

/// <summary>How well a rule's host matches a request host: better tiers win.</summary>
public enum HostMatch { None = 0, CatchAll = 1, Wildcard = 2, Exact = 3 }

/// <summary>The host and path matching rules of networking.k8s.io/v1 Ingress.</summary>
public static class IngressMatching
{
    /// <summary>Host header → comparable host: lowercase, port and trailing dot removed, IPv6 brackets kept off.</summary>
    public static string NormalizeHost(string? host)
    {
        if (string.IsNullOrWhiteSpace(host)) return "";
        var h = host.Trim().ToLowerInvariant();
        if (h.StartsWith('['))
        {
            int close = h.IndexOf(']');
            return close > 0 ? h[1..close] : h;
        }
        int colon = h.IndexOf(':');
        if (colon >= 0 && h.IndexOf(':', colon + 1) < 0) h = h[..colon];
        return h.TrimEnd('.');
    }

    /// <summary>The path part of a request target: query and fragment dropped; empty becomes "/".</summary>
    public static string NormalizePath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        int cut = path.IndexOfAny(['?', '#']);
        var p = cut >= 0 ? path[..cut] : path;
        return p.Length == 0 ? "/" : p;
    }

    /// <summary>Matches a rule host (null/empty = every host) against a normalized request host.</summary>
    public static HostMatch MatchHost(string? ruleHost, string host)
    {
        if (string.IsNullOrEmpty(ruleHost)) return HostMatch.CatchAll;
        var rule = ruleHost.ToLowerInvariant();
        if (rule.StartsWith("*.", StringComparison.Ordinal))
        {
            // "*" is exactly one non-empty label: "*.foo.com" matches "bar.foo.com" only.
            var suffix = rule.AsSpan(1);
            if (host.Length <= suffix.Length || !host.AsSpan().EndsWith(suffix, StringComparison.Ordinal)) return HostMatch.None;
            return host.AsSpan(0, host.Length - suffix.Length).Contains('.') ? HostMatch.None : HostMatch.Wildcard;
        }
        return rule == host ? HostMatch.Exact : HostMatch.None;
    }

    /// <summary>
    /// True when the rule path matches. Exact: the same string, case-sensitive. Prefix (and
    /// ImplementationSpecific, which we treat as Prefix): element-wise on '/' with the rule's
    /// trailing '/' ignored, so "/foo" matches "/foo", "/foo/" and "/foo/bar" but not "/foobar".
    /// </summary>
    public static bool MatchPath(string rulePath, PathType type, string path)
    {
        if (type == PathType.Exact) return string.Equals(rulePath, path, StringComparison.Ordinal);
        var prefix = rulePath.AsSpan().TrimEnd('/');
        if (prefix.Length == 0) return true;
        if (!path.AsSpan().StartsWith(prefix, StringComparison.Ordinal)) return false;
        return path.Length == prefix.Length || path[prefix.Length] == '/';
    }

    /// <summary>The length that ranks a matching rule path: longer is more specific.</summary>
    public static int Specificity(string rulePath, PathType type) =>
        type == PathType.Exact ? rulePath.Length : rulePath.AsSpan().TrimEnd('/').Length;
}
