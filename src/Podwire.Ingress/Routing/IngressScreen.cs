namespace Podwire.Ingress.Routing;

/// <summary>
/// Refuses the configuration-injection class of input (ingress-nginx CVE-2025-1974 and its
/// snippet predecessors): hosts and paths are data that our matcher compares, never text spliced
/// into configuration, but an Ingress carrying configuration syntax is hostile or broken and is
/// not served at all, so nothing downstream ever has to be careful with it.
/// </summary>
/// <remarks>
/// Hosts: lowercase DNS names, optionally <c>*.</c> plus a name (what the API allows).
/// Paths: RFC 3986 path characters minus everything a config language gives meaning to —
/// letters, digits, <c>- . _ ~ / : @ ! + , =</c> and <c>%XX</c> escapes. Annotations: any
/// <c>*-snippet</c> annotation, and any controller annotation value holding <c>{ } ; $ ` ' "</c>,
/// a backslash, <c>#</c> or a control character, or an nginx directive name.
/// </remarks>
public static class IngressScreen
{
    /// <summary>Annotation prefixes read by ingress controllers; we honour none but refuse hostile ones.</summary>
    private static readonly string[] ControllerPrefixes = ["nginx.ingress.kubernetes.io/", "podwire.io/", "nginx.org/", "ingress.kubernetes.io/"];

    private static readonly string[] Directives =
        ["proxy_pass", "lua_", "content_by_lua", "access_by_lua", "ssl_engine", "load_module", "include ", "root ", "alias ", "server {", "location "];

    /// <summary>Null when the Ingress may be served, else why not (one line, names the field).</summary>
    public static string? Check(Podwire.Model.Ingress ingress)
    {
        for (int i = 0; i < ingress.Rules.Count; i++)
        {
            var rule = ingress.Rules[i];
            if (!string.IsNullOrEmpty(rule.Host) && HostProblem(rule.Host) is { } h)
                return $"spec.rules[{i}].host {Quote(rule.Host)}: {h}";
            for (int j = 0; j < rule.Paths.Count; j++)
                if (PathProblem(rule.Paths[j].Path) is { } p)
                    return $"spec.rules[{i}].http.paths[{j}].path {Quote(rule.Paths[j].Path)}: {p}";
        }
        for (int i = 0; i < ingress.Tls.Count; i++)
            for (int j = 0; j < ingress.Tls[i].Hosts.Count; j++)
                if (HostProblem(ingress.Tls[i].Hosts[j]) is { } h)
                    return $"spec.tls[{i}].hosts[{j}] {Quote(ingress.Tls[i].Hosts[j])}: {h}";
        foreach (var kv in ingress.Annotations)
            if (AnnotationProblem(kv.Key, kv.Value) is { } a) return $"annotation {kv.Key}: {a}";
        return null;
    }

    public static string? HostProblem(string host)
    {
        if (host.Length == 0) return "empty host";
        if (host.Length > 253) return "longer than 253 characters";
        int start = host.StartsWith("*.", StringComparison.Ordinal) ? 2 : 0;
        if (host == "*" || (start == 2 && host.Length == 2)) return "a wildcard needs a suffix";
        int labelLength = 0;
        for (int i = start; i < host.Length; i++)
        {
            char c = host[i];
            if (c == '.')
            {
                if (labelLength == 0) return "empty DNS label";
                labelLength = 0;
                continue;
            }
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
                return $"character {Describe(c)} is not allowed in a host (lowercase letters, digits, '-', '.', a leading '*.')";
            if (++labelLength > 63) return "a DNS label is longer than 63 characters";
        }
        return labelLength == 0 ? "empty DNS label" : null;
    }

    public static string? PathProblem(string path)
    {
        if (path.Length == 0) return null; // ImplementationSpecific may omit it: "/" is meant.
        if (path[0] != '/') return "must start with '/'";
        for (int i = 0; i < path.Length; i++)
        {
            char c = path[i];
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '.' or '_' or '~' or '/' or ':' or '@' or '!' or '+' or ',' or '=')
                continue;
            if (c == '%' && i + 2 < path.Length && IsHex(path[i + 1]) && IsHex(path[i + 2])) { i += 2; continue; }
            return $"character {Describe(c)} is not allowed in a path (paths are data, not configuration)";
        }
        return null;
    }

    public static string? AnnotationProblem(string key, string value)
    {
        bool controller = false;
        foreach (var p in ControllerPrefixes)
            if (key.StartsWith(p, StringComparison.Ordinal)) { controller = true; break; }
        if (!controller) return null;
        if (key.EndsWith("snippet", StringComparison.Ordinal)) return "configuration snippets are not accepted";
        foreach (char c in value)
            if (c is '{' or '}' or ';' or '$' or '`' or '\'' or '"' or '\\' or '#' || char.IsControl(c))
                return $"character {Describe(c)} is not allowed in a controller annotation value";
        foreach (var d in Directives)
            if (value.Contains(d, StringComparison.OrdinalIgnoreCase)) return $"value contains the configuration directive \"{d.Trim()}\"";
        return null;
    }

    private static bool IsHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F';

    private static string Describe(char c) => c switch
    {
        '\n' => "'\\n'",
        '\r' => "'\\r'",
        '\t' => "'\\t'",
        _ when char.IsControl(c) || c > '~' => $"U+{(int)c:X4}",
        _ => $"'{c}'",
    };

    // Log lines quote hostile input escaped, so it cannot forge a line of its own.
    private static string Quote(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            if (c == '"' || c == '\\') sb.Append('\\').Append(c);
            else if (char.IsControl(c) || c > '~') sb.Append("\\u").Append(((int)c).ToString("x4"));
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
