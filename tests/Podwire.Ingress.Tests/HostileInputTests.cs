using System.Text.Json;
using Podwire.Ingress.Tests.Harness;
using static Podwire.Ingress.Tests.Harness.Manifests;

namespace Podwire.Ingress.Tests;

/// <summary>Configuration injection (the ingress-nginx CVE-2025-1974 class) is refused per Ingress, logged and reported.</summary>
public sealed class HostileInputTests(BackendsFixture backends) : IClassFixture<BackendsFixture>
{
    /// <summary>(Ingress name, YAML, text the refusal reason must contain).</summary>
    public static readonly (string Name, string Yaml, string Why)[] Hostile =
    [
        ("semicolon", IngressYaml("semicolon", [Rule("h1.test", P("/x;proxy_pass http://evil", "ImplementationSpecific", "b"))]), "character ';'"),
        ("brace", IngressYaml("brace", [Rule("h2.test", P("/a{b}", "Prefix", "b"))]), "character '{'"),
        ("dollar", IngressYaml("dollar", [Rule("h3.test", P("/$host", "Prefix", "b"))]), "character '$'"),
        ("quote", IngressYaml("quote", [Rule("h4.test", P("/a\"b", "ImplementationSpecific", "b"))]), "character '\"'"),
        ("newline", IngressYaml("newline", [Rule("h5.test", P("/a\n}\nserver {", "ImplementationSpecific", "b"))]), "character '\\n'"),
        ("hash", IngressYaml("hash", [Rule("h6.test", P("/a#b", "Exact", "b"))]), "character '#'"),
        ("backslash", IngressYaml("backslash", [Rule("h7.test", P("/a\\b", "ImplementationSpecific", "b"))]), "character '\\'"),
        ("snippet", IngressYaml("snippet", [Rule("h8.test", P("/", "Prefix", "b"))],
            extraMeta: "  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: \"more_set_headers x;\"\n"), "snippets are not accepted"),
        ("directive", IngressYaml("directive", [Rule("h9.test", P("/", "Prefix", "b"))],
            extraMeta: "  annotations:\n    nginx.ingress.kubernetes.io/auth-url: \"http://x/ proxy_pass http://evil\"\n"), "proxy_pass"),
        ("badhost", IngressYaml("badhost", [Rule("evil.test;", P("/", "Prefix", "b"))]), "invalid: spec.rules[0].host"),
        ("bracehost", IngressYaml("bracehost", [Rule("a{b}.test", P("/", "Prefix", "b"))]), "invalid: spec.rules[0].host"),
    ];

    private string Yaml => backends.Services + IngressYaml("good", [Rule("good.test", P("/", "Prefix", "a"))]) + string.Concat(Hostile.Select(h => h.Yaml));

    [Fact]
    public async Task Hostile_paths_hosts_and_annotations_are_refused_logged_and_reported_and_the_rest_is_served()
    {
        await using var proxy = await IngressProcess.StartAsync(Yaml);
        Assert.Equal("a", Tool.Who(await Tool.CurlAsync("good.test", proxy.HttpPort, "/")));
        for (int i = 1; i <= 9; i++) Assert.Equal("404", Tool.Who(await Tool.CurlAsync($"h{i}.test", proxy.HttpPort, "/x")));

        using var status = await proxy.StatusAsync();
        var states = status.RootElement.GetProperty("ingresses").EnumerateArray()
            .ToDictionary(e => e.GetProperty("ingress").GetString()!, e => (State: e.GetProperty("state").GetString()!, Reason: e.GetProperty("reason").GetString()!));
        Assert.Equal("served", states["default/good"].State);
        foreach (var (name, _, why) in Hostile)
        {
            var s = states["default/" + name];
            Assert.Equal("refused", s.State);
            Assert.Contains(why, s.Reason);
            Assert.Contains(proxy.Lines, l => l.Contains($"warn Ingress default/{name} refused: ", StringComparison.Ordinal) && l.Contains(why, StringComparison.Ordinal));
        }
        Assert.Equal(Hostile.Length + 1, states.Count);
        // Hostile text never forges a log line of its own.
        Assert.DoesNotContain(proxy.Lines, l => l.StartsWith("server {", StringComparison.Ordinal) || l.StartsWith("}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_status_command_reports_the_same_offline()
    {
        var dir = Directory.CreateTempSubdirectory("pw-ingress-status.").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "m.yaml"), Yaml);
            var psi = IngressProcess.Command("status", "-f", Path.Combine(dir, "m.yaml"), "-o", "json");
            var r = await Tool.RunAsync(psi.FileName, psi.ArgumentList);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var doc = JsonDocument.Parse(r.Stdout);
            var refused = doc.RootElement.GetProperty("ingresses").EnumerateArray()
                .Where(e => e.GetProperty("state").GetString() == "refused").Select(e => e.GetProperty("ingress").GetString()).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(Hostile.Select(h => "default/" + h.Name).Order(StringComparer.Ordinal).ToArray(), refused);

            var text = await Tool.RunAsync(psi.FileName, [.. psi.ArgumentList.Take(psi.ArgumentList.Count - 2)]);
            Assert.Contains("served\tdefault/good\t", text.Stdout);
        }
        finally { Directory.Delete(dir, true); }
    }
}
