using Podwire.Model;
using Podwire.Semantics.Ingress;
using IngressObject = Podwire.Model.Ingress;

namespace Podwire.Ingress.Routing;

/// <summary>
/// Where a request goes: the Ingress that claimed it, the Service and port it names (both null
/// for a <c>resource</c> backend) and the live backend resolved for it. Built once per
/// configuration and shared by every request, so matching allocates nothing.
/// </summary>
public sealed class RouteTarget(string ingress, string? serviceKey, PortRef? port, ServiceBackend? backend)
{
    public string Ingress { get; } = ingress;
    public string? ServiceKey { get; } = serviceKey;
    public PortRef? Port { get; } = port;
    public ServiceBackend? Backend { get; } = backend;
}

/// <summary>
/// <see cref="IngressRouter"/> compiled into hash lookups: the same decisions (SPECS 4; a
/// property test holds the two together), without sorting the Ingresses, building explanation
/// strings or allocating per request, which the proxy's hot path cannot afford.
/// </summary>
/// <remarks>
/// Rules are grouped by host key: exact hosts, wildcard suffixes (<c>*.foo.com</c> → <c>.foo.com</c>:
/// the request host's text from its first dot) and the host-less group. Each group's paths are
/// sorted by IngressRouter's preference — longer first, Exact before Prefix on a tie, then
/// (namespace, name, rule, path) order — so the first path that matches is the winner. Each
/// group also remembers the first Ingress with a defaultBackend that has a rule for that host.
/// </remarks>
public sealed class RouteTable
{
    private readonly Dictionary<string, HostGroup> _exact;
    private readonly Dictionary<string, HostGroup> _wildcard;
    private readonly Dictionary<string, HostGroup>.AlternateLookup<ReadOnlySpan<char>> _exactBySpan;
    private readonly Dictionary<string, HostGroup>.AlternateLookup<ReadOnlySpan<char>> _wildcardBySpan;
    private readonly HostGroup? _catchAll;
    private readonly RouteTarget? _fallback;

    public int PathCount { get; }

    private RouteTable(Dictionary<string, HostGroup> exact, Dictionary<string, HostGroup> wildcard, HostGroup? catchAll, RouteTarget? fallback, int pathCount)
    {
        _exact = exact;
        _wildcard = wildcard;
        _exactBySpan = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcardBySpan = wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
        _catchAll = catchAll;
        _fallback = fallback;
        PathCount = pathCount;
    }

    public static readonly RouteTable Empty = Build([], static (_, _) => null);

    /// <summary>
    /// Compiles <paramref name="ours"/> (the served Ingresses, ordered by namespace then name as
    /// <see cref="IngressClassSelector.Ours"/> returns them). <paramref name="resolve"/> gives the
    /// live backend of a Service backend (null when it has none).
    /// </summary>
    public static RouteTable Build(IReadOnlyList<IngressObject> ours, Func<IngressObject, IngressBackend, ServiceBackend?> resolve)
    {
        var exact = new Dictionary<string, GroupBuilder>(StringComparer.Ordinal);
        var wildcard = new Dictionary<string, GroupBuilder>(StringComparer.Ordinal);
        GroupBuilder? catchAll = null;
        var targets = new Dictionary<(IngressObject, IngressBackend), RouteTarget>();
        RouteTarget Target(IngressObject ing, IngressBackend b)
        {
            if (!targets.TryGetValue((ing, b), out var t))
                targets[(ing, b)] = t = b.ServiceName is null
                    ? new RouteTarget(ing.Key, null, null, null)
                    : new RouteTarget(ing.Key, ing.Namespace + "/" + b.ServiceName, b.ServicePort, resolve(ing, b));
            return t;
        }

        int order = 0, pathCount = 0;
        foreach (var ing in ours)
            foreach (var rule in ing.Rules)
            {
                GroupBuilder group;
                if (string.IsNullOrEmpty(rule.Host)) group = catchAll ??= new GroupBuilder();
                else
                {
                    var host = rule.Host.ToLowerInvariant();
                    bool wild = host.StartsWith("*.", StringComparison.Ordinal);
                    var dict = wild ? wildcard : exact;
                    var key = wild ? host[1..] : host;
                    if (!dict.TryGetValue(key, out group!)) dict[key] = group = new GroupBuilder();
                }
                if (ing.DefaultBackend is not null) group.Default ??= Target(ing, ing.DefaultBackend);
                foreach (var p in rule.Paths)
                {
                    bool isExact = p.PathType == PathType.Exact;
                    var text = isExact ? p.Path : p.Path.TrimEnd('/');
                    group.Paths.Add(new PathEntry(text, isExact, order++, Target(ing, p.Backend)));
                    pathCount++;
                }
            }

        RouteTarget? fallback = null;
        foreach (var ing in ours)
            if (ing.DefaultBackend is not null && ing.Rules.Count == 0) { fallback = Target(ing, ing.DefaultBackend); break; }
        if (fallback is null)
            foreach (var ing in ours)
                if (ing.DefaultBackend is not null) { fallback = Target(ing, ing.DefaultBackend); break; }

        return new RouteTable(Freeze(exact), Freeze(wildcard), catchAll?.Freeze(), fallback, pathCount);
    }

    /// <summary>The target for a Host header and a request path (query, if any, is ignored); null means 404.</summary>
    public RouteTarget? Match(ReadOnlySpan<char> hostHeader, ReadOnlySpan<char> path)
    {
        Span<char> buffer = stackalloc char[256];
        if (hostHeader.Length > buffer.Length) return MatchNormalized(IngressMatching.NormalizeHost(hostHeader.ToString()), path);
        return MatchNormalized(NormalizeHost(hostHeader, buffer), path);
    }

    private RouteTarget? MatchNormalized(ReadOnlySpan<char> host, ReadOnlySpan<char> path)
    {
        int cut = path.IndexOfAny('?', '#');
        if (cut >= 0) path = path[..cut];
        if (path.IsEmpty) path = "/";

        HostGroup? exact = null, wild = null;
        if (_exact.Count > 0 && _exactBySpan.TryGetValue(host, out var e)) exact = e;
        if (_wildcard.Count > 0)
        {
            int dot = host.IndexOf('.');
            if (dot > 0 && _wildcardBySpan.TryGetValue(host[dot..], out var w)) wild = w;
        }
        return exact?.MatchPath(path) ?? wild?.MatchPath(path) ?? _catchAll?.MatchPath(path)
            ?? exact?.Default ?? wild?.Default ?? _catchAll?.Default ?? _fallback;
    }

    /// <summary><see cref="IngressMatching.NormalizeHost"/> into a caller's buffer.</summary>
    private static ReadOnlySpan<char> NormalizeHost(ReadOnlySpan<char> host, Span<char> buffer)
    {
        host = host.Trim();
        int n = host.ToLowerInvariant(buffer);
        ReadOnlySpan<char> h = buffer[..n];
        if (h.IsEmpty) return h;
        if (h[0] == '[')
        {
            int close = h.IndexOf(']');
            return close > 0 ? h[1..close] : h;
        }
        int colon = h.IndexOf(':');
        if (colon >= 0 && h[(colon + 1)..].IndexOf(':') < 0) h = h[..colon];
        return h.TrimEnd('.');
    }

    private static Dictionary<string, HostGroup> Freeze(Dictionary<string, GroupBuilder> d)
    {
        var result = new Dictionary<string, HostGroup>(d.Count, StringComparer.Ordinal);
        foreach (var (k, v) in d) result[k] = v.Freeze();
        return result;
    }

    private readonly record struct PathEntry(string Text, bool Exact, int Order, RouteTarget Target);

    private sealed class GroupBuilder
    {
        public List<PathEntry> Paths { get; } = [];
        public RouteTarget? Default { get; set; }

        public HostGroup Freeze()
        {
            var arr = Paths.ToArray();
            // IngressRouter's Candidate.Beats as a total order: longest, then Exact, then first seen.
            Array.Sort(arr, static (a, b) =>
                a.Text.Length != b.Text.Length ? b.Text.Length.CompareTo(a.Text.Length)
                : a.Exact != b.Exact ? (a.Exact ? -1 : 1)
                : a.Order.CompareTo(b.Order));
            return new HostGroup(arr, Default);
        }
    }

    private sealed class HostGroup(PathEntry[] paths, RouteTarget? @default)
    {
        public RouteTarget? Default { get; } = @default;

        public RouteTarget? MatchPath(ReadOnlySpan<char> path)
        {
            foreach (ref readonly var p in paths.AsSpan())
            {
                if (p.Exact)
                {
                    if (path.SequenceEqual(p.Text)) return p.Target;
                }
                else if (p.Text.Length == 0
                    || (path.StartsWith(p.Text, StringComparison.Ordinal) && (path.Length == p.Text.Length || path[p.Text.Length] == '/')))
                    return p.Target;
            }
            return null;
        }
    }
}
