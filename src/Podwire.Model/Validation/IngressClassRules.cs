using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>ValidateIngressClass: the controller is a domain-prefixed path such as <c>podwire.io/ingress</c>.</summary>
public static class IngressClassRules
{
    public const int MaxControllerLength = 250;
    private static readonly string[] Scopes = ["Cluster", "Namespace"];

    public static void Check(ProblemSink sink, V1IngressClassSpec? spec)
    {
        var controller = spec?.Controller;
        if (string.IsNullOrEmpty(controller)) { sink.Add("spec.controller", FieldErrors.Required); }
        else
        {
            if (controller.Length > MaxControllerLength) sink.Add("spec.controller", FieldErrors.TooLong(MaxControllerLength));
            CheckDomainPrefixedPath(sink, "spec.controller", controller);
        }
        var p = spec?.Parameters;
        if (p is null) return;
        if (string.IsNullOrEmpty(p.Kind)) sink.Add("spec.parameters.kind", FieldErrors.Required);
        if (string.IsNullOrEmpty(p.Name)) sink.Add("spec.parameters.name", FieldErrors.Required);
        string scope = string.IsNullOrEmpty(p.Scope) ? "Cluster" : p.Scope;
        if (Array.IndexOf(Scopes, scope) < 0) sink.Add("spec.parameters.scope", FieldErrors.Unsupported(scope, Scopes));
        else if (scope == "Namespace" && string.IsNullOrEmpty(p.NamespaceProperty))
            sink.Add("spec.parameters.namespace", FieldErrors.RequiredWith("`parameters.scope` is set to 'Namespace'"));
        else if (scope == "Cluster" && !string.IsNullOrEmpty(p.NamespaceProperty))
            sink.Add("spec.parameters.namespace", FieldErrors.Forbidden("`parameters.scope` is set to 'Cluster'"));
    }

    /// <summary>IsDomainPrefixedPath: <c>host/path</c> with a DNS-subdomain host and an HTTP path.</summary>
    public static void CheckDomainPrefixedPath(ProblemSink sink, string path, string value)
    {
        int slash = value.IndexOf('/');
        if (slash <= 0 || slash == value.Length - 1)
        {
            sink.Add(path, FieldErrors.Invalid(value, "must be a domain-prefixed path (such as \"acme.io/foo\")"));
            return;
        }
        string host = value[..slash], rest = value[(slash + 1)..];
        NameRules.Report(sink, path, host, NameRules.Dns1123Subdomain(host));
        foreach (char c in rest)
        {
            if (char.IsAsciiLetterOrDigit(c) || "/-._~%!$&'()*+,;=:".Contains(c)) continue;
            sink.Add(path, FieldErrors.Invalid(rest, "Invalid path"));
            break;
        }
    }
}
