using System.Text;

namespace Podwire.Ingress.Tests.Harness;

/// <summary>YAML builders for the test clusters: selector-less Services with hand-made EndpointSlices on 127.0.0.1.</summary>
public static class Manifests
{
    /// <summary>Service NAME (port 80) whose only endpoint is 127.0.0.1:<paramref name="targetPort"/>.</summary>
    public static string Service(string name, int targetPort, bool ready = true) => $"""
        apiVersion: v1
        kind: Service
        metadata: {"{"}name: {name}, namespace: default{"}"}
        spec: {"{"}ports: [{"{"}name: http, port: 80, targetPort: {targetPort}{"}"}]{"}"}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {"{"}name: {name}-1, namespace: default, labels: {"{"}kubernetes.io/service-name: {name}{"}"}{"}"}
        addressType: IPv4
        ports: [{"{"}name: http, port: {targetPort}, protocol: TCP{"}"}]
        endpoints: [{"{"}addresses: ["127.0.0.1"], conditions: {"{"}ready: {(ready ? "true" : "false")}{"}"}{"}"}]
        ---

        """;

    public sealed record PathSpec(string Path, string Type, string Service);
    public sealed record RuleSpec(string? Host, IReadOnlyList<PathSpec> Paths);

    /// <summary>An Ingress; <paramref name="extraMeta"/> and <paramref name="extraSpec"/> are raw YAML lines (already indented).</summary>
    public static string IngressYaml(string name, IReadOnlyList<RuleSpec> rules, string? defaultService = null, string extraMeta = "", string extraSpec = "")
    {
        var sb = new StringBuilder();
        sb.Append("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ").Append(name).Append("\n  namespace: default\n").Append(extraMeta);
        sb.Append("spec:\n").Append(extraSpec);
        if (defaultService is not null) sb.Append("  defaultBackend: {service: {name: ").Append(defaultService).Append(", port: {number: 80}}}\n");
        if (rules.Count > 0) sb.Append("  rules:\n");
        foreach (var r in rules)
        {
            sb.Append("  - ");
            if (r.Host is not null) sb.Append("host: \"").Append(r.Host).Append("\"\n    ");
            sb.Append("http:\n      paths:\n");
            foreach (var p in r.Paths)
                sb.Append("      - {path: ").Append(Yaml(p.Path)).Append(", pathType: ").Append(p.Type)
                  .Append(", backend: {service: {name: ").Append(p.Service).Append(", port: {number: 80}}}}\n");
        }
        return sb.Append("---\n").ToString();
    }

    /// <summary>A YAML double-quoted scalar: hostile text must reach the controller exactly as written.</summary>
    public static string Yaml(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
            sb.Append(c switch { '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => c.ToString() });
        return sb.Append('"').ToString();
    }

    public static RuleSpec Rule(string? host, params PathSpec[] paths) => new(host, paths);
    public static PathSpec P(string path, string type, string service) => new(path, type, service);
}
