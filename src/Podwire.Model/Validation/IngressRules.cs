using System.Net;
using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>ValidateIngressSpec (networking.k8s.io/v1), SPECS section 4: hosts, paths, backends, TLS.</summary>
public static class IngressRules
{
    private static readonly string[] PathTypes = ["Exact", "Prefix", "ImplementationSpecific"];
    private static readonly string[] InvalidSequences = ["//", "/./", "/../", "%2f", "%2F"];
    private static readonly string[] InvalidSuffixes = ["/..", "/."];

    public static void Check(ProblemSink sink, V1IngressSpec? spec)
    {
        spec ??= new V1IngressSpec();
        if (!string.IsNullOrEmpty(spec.IngressClassName))
            NameRules.Report(sink, "spec.ingressClassName", spec.IngressClassName, NameRules.Dns1123Subdomain(spec.IngressClassName));
        if (spec.DefaultBackend is not null) CheckBackend(sink, "spec.defaultBackend", spec.DefaultBackend);

        var rules = spec.Rules;
        if ((rules is null || rules.Count == 0) && spec.DefaultBackend is null)
            sink.Add("spec.rules", FieldErrors.RequiredWith("either `defaultBackend` or `rules` must be specified"));
        if (rules is not null)
            for (int i = 0; i < rules.Count; i++) CheckRule(sink, $"spec.rules[{i}]", rules[i]);

        if (spec.Tls is null) return;
        for (int i = 0; i < spec.Tls.Count; i++)
        {
            var tls = spec.Tls[i];
            if (tls is null) continue;
            if (tls.Hosts is not null)
                for (int j = 0; j < tls.Hosts.Count; j++) CheckHost(sink, $"spec.tls[{i}].hosts[{j}]", tls.Hosts[j] ?? "");
            if (!string.IsNullOrEmpty(tls.SecretName))
                NameRules.Report(sink, $"spec.tls[{i}].secretName", tls.SecretName, NameRules.Dns1123Subdomain(tls.SecretName));
        }
    }

    private static void CheckRule(ProblemSink sink, string path, V1IngressRule? rule)
    {
        if (rule is null) { sink.Add(path, FieldErrors.Required); return; }
        if (!string.IsNullOrEmpty(rule.Host)) CheckHost(sink, path + ".host", rule.Host);
        if (rule.Http is null) return;
        var paths = rule.Http.Paths;
        if (paths is null || paths.Count == 0) { sink.Add(path + ".http.paths", FieldErrors.Required); return; }
        for (int j = 0; j < paths.Count; j++) CheckPath(sink, $"{path}.http.paths[{j}]", paths[j]);
    }

    /// <summary>A DNS subdomain or <c>*.suffix</c> (the <c>*</c> being the whole first label); never an IP or a port.</summary>
    public static void CheckHost(ProblemSink sink, string path, string host)
    {
        if (IPAddress.TryParse(host, out _))
            sink.Add(path, FieldErrors.Invalid(host, "must be a DNS name, not an IP address"));
        else if (host.Contains('*'))
            NameRules.Report(sink, path, host, NameRules.WildcardDns1123Subdomain(host));
        else
            NameRules.Report(sink, path, host, NameRules.Dns1123Subdomain(host));
    }

    private static void CheckPath(ProblemSink sink, string path, V1HTTPIngressPath? p)
    {
        if (p is null) { sink.Add(path, FieldErrors.Required); return; }
        var text = p.Path ?? "";
        switch (p.PathType)
        {
            case null or "":
                sink.Add(path + ".pathType", FieldErrors.RequiredWith("pathType must be specified"));
                break;
            case "Exact" or "Prefix":
                if (!text.StartsWith('/')) sink.Add(path + ".path", FieldErrors.Invalid(text, "must be an absolute path"));
                foreach (var seq in InvalidSequences)
                    if (text.Contains(seq, StringComparison.Ordinal)) sink.Add(path + ".path", FieldErrors.Invalid(text, $"must not contain '{seq}'"));
                foreach (var suffix in InvalidSuffixes)
                    if (text.EndsWith(suffix, StringComparison.Ordinal)) sink.Add(path + ".path", FieldErrors.Invalid(text, $"cannot end with '{suffix}'"));
                break;
            case "ImplementationSpecific":
                if (text.Length > 0 && !text.StartsWith('/')) sink.Add(path + ".path", FieldErrors.Invalid(text, "must be an absolute path"));
                break;
            default:
                sink.Add(path + ".pathType", FieldErrors.Unsupported(p.PathType, PathTypes));
                break;
        }
        CheckBackend(sink, path + ".backend", p.Backend);
    }

    public static void CheckBackend(ProblemSink sink, string path, V1IngressBackend? backend)
    {
        var resource = backend?.Resource;
        var service = backend?.Service;
        if (resource is not null && service is not null)
        {
            sink.Add(path, FieldErrors.Invalid("", "cannot set both resource and service backends"));
            return;
        }
        if (resource is not null)
        {
            if (!string.IsNullOrEmpty(resource.ApiGroup))
                NameRules.Report(sink, path + ".resource.apiGroup", resource.ApiGroup, NameRules.Dns1123Subdomain(resource.ApiGroup));
            if (string.IsNullOrEmpty(resource.Kind)) sink.Add(path + ".resource.kind", FieldErrors.Required);
            if (string.IsNullOrEmpty(resource.Name)) sink.Add(path + ".resource.name", FieldErrors.Required);
            return;
        }
        if (service is null)
        {
            sink.Add(path, FieldErrors.Invalid("", "resource or service backend is required"));
            return;
        }
        if (string.IsNullOrEmpty(service.Name)) sink.Add(path + ".service.name", FieldErrors.Required);
        else NameRules.Report(sink, path + ".service.name", service.Name, NameRules.Dns1035Label(service.Name));
        string? portName = service.Port?.Name;
        int portNumber = service.Port?.Number ?? 0;
        bool hasName = !string.IsNullOrEmpty(portName), hasNumber = portNumber != 0;
        if (hasName && hasNumber) sink.Add(path, FieldErrors.Invalid("", "cannot set both port name & port number"));
        else if (hasName) PortRules.CheckName(sink, path + ".service.port.name", portName!);
        else if (hasNumber) PortRules.CheckNumber(sink, path + ".service.port.number", portNumber);
        else sink.Add(path, FieldErrors.RequiredWith("port name or number is required"));
    }
}
