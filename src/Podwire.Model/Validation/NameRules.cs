namespace Podwire.Model.Validation;

/// <summary>
/// The name grammars of <c>k8s.io/apimachinery/pkg/util/validation</c>, hand-written instead of
/// regexes so the happy path allocates nothing. Each check returns null when the value is valid,
/// else every message the API server would give (it reports length and charset separately).
/// </summary>
public static class NameRules
{
    public const string Dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    public const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    public const string Dns1035LabelMessage = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    public const string QualifiedNameMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    public const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    public const string WildcardMessage = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
    public const string ConfigKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

    public static string MaxLen(int n) => $"must be no more than {n} characters";

    private static bool IsLowerAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
    private static bool IsAlnum(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9');

    /// <summary><c>[a-z0-9]([-a-z0-9]*[a-z0-9])?</c></summary>
    private static bool MatchesLabel(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || !IsLowerAlnum(s[0]) || !IsLowerAlnum(s[^1])) return false;
        foreach (char c in s) if (!IsLowerAlnum(c) && c != '-') return false;
        return true;
    }

    private static bool MatchesSubdomain(ReadOnlySpan<char> s)
    {
        if (s.Length == 0) return false;
        while (true)
        {
            int dot = s.IndexOf('.');
            if (dot < 0) return MatchesLabel(s);
            if (!MatchesLabel(s[..dot])) return false;
            s = s[(dot + 1)..];
        }
    }

    /// <summary><c>([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]</c></summary>
    private static bool MatchesQualifiedPart(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || !IsAlnum(s[0]) || !IsAlnum(s[^1])) return false;
        foreach (char c in s) if (!IsAlnum(c) && c is not ('-' or '_' or '.')) return false;
        return true;
    }

    public static bool IsValidDns1123Label(string? v) => v is { Length: <= 63 } && MatchesLabel(v);
    public static bool IsValidDns1123Subdomain(string? v) => v is { Length: <= 253 } && MatchesSubdomain(v);

    public static List<string>? Dns1123Label(string value)
    {
        List<string>? errs = null;
        if (value.Length > 63) (errs ??= []).Add(MaxLen(63));
        if (!MatchesLabel(value))
            (errs ??= []).Add(MatchesSubdomain(value) ? "must not contain dots" : Dns1123LabelMessage);
        return errs;
    }

    public static List<string>? Dns1123Subdomain(string value)
    {
        List<string>? errs = null;
        if (value.Length > 253) (errs ??= []).Add(MaxLen(253));
        if (!MatchesSubdomain(value)) (errs ??= []).Add(Dns1123SubdomainMessage);
        return errs;
    }

    public static List<string>? Dns1035Label(string value)
    {
        List<string>? errs = null;
        if (value.Length > 63) (errs ??= []).Add(MaxLen(63));
        if (value.Length == 0 || value[0] is not (>= 'a' and <= 'z') || !MatchesLabel(value))
            (errs ??= []).Add(Dns1035LabelMessage);
        return errs;
    }

    /// <summary><c>*.</c> followed by a DNS subdomain: the wildcard form of Ingress hosts.</summary>
    public static List<string>? WildcardDns1123Subdomain(string value)
    {
        List<string>? errs = null;
        if (value.Length > 253) (errs ??= []).Add(MaxLen(253));
        if (!value.StartsWith("*.", StringComparison.Ordinal) || !MatchesSubdomain(value.AsSpan(2)))
            (errs ??= []).Add(WildcardMessage);
        return errs;
    }

    /// <summary>A label or annotation key: optional DNS-subdomain prefix, "/", and a name of at most 63 characters.</summary>
    public static List<string>? QualifiedName(string value)
    {
        List<string>? errs = null;
        string name = value;
        int slash = value.IndexOf('/');
        if (slash >= 0)
        {
            if (value.IndexOf('/', slash + 1) >= 0)
                return [$"a qualified name {QualifiedNameMessage} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
            string prefix = value[..slash];
            name = value[(slash + 1)..];
            if (prefix.Length == 0) (errs ??= []).Add("prefix part must be non-empty");
            else if (Dns1123Subdomain(prefix) is { } perrs)
                foreach (var m in perrs) (errs ??= []).Add("prefix part " + m);
        }
        if (name.Length == 0) (errs ??= []).Add("name part must be non-empty");
        else if (name.Length > 63) (errs ??= []).Add("name part " + MaxLen(63));
        if (!MatchesQualifiedPart(name)) (errs ??= []).Add("name part " + QualifiedNameMessage);
        return errs;
    }

    public static List<string>? LabelValue(string value)
    {
        List<string>? errs = null;
        if (value.Length > 63) (errs ??= []).Add(MaxLen(63));
        if (value.Length > 0 && !MatchesQualifiedPart(value)) (errs ??= []).Add(LabelValueMessage);
        return errs;
    }

    /// <summary>A ConfigMap/Secret data key.</summary>
    public static List<string>? ConfigMapKey(string value)
    {
        List<string>? errs = null;
        if (value.Length > 253) (errs ??= []).Add(MaxLen(253));
        bool ok = value.Length > 0;
        foreach (char c in value) if (!IsAlnum(c) && c is not ('-' or '_' or '.')) { ok = false; break; }
        if (!ok) (errs ??= []).Add(ConfigKeyMessage);
        if (value == ".") (errs ??= []).Add("must not be '.'");
        else if (value == "..") (errs ??= []).Add("must not be '..'");
        else if (value.StartsWith("..", StringComparison.Ordinal)) (errs ??= []).Add("must not start with '..'");
        return errs;
    }

    /// <summary>Reports each message of <paramref name="errs"/> as an invalid value at <paramref name="path"/>.</summary>
    public static void Report(ProblemSink sink, string path, string value, List<string>? errs)
    {
        if (errs is null) return;
        foreach (var m in errs) sink.Add(path, FieldErrors.Invalid(value, m));
    }
}
