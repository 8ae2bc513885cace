using System.Diagnostics;
using System.Net;
using System.Text;
using Podwire.Controllers;
using Podwire.Controllers.Dns;
using Podwire.Model;
using Podwire.Sources;

namespace Podwire.Dns.Tests;

/// <summary>The SPECS section 3 fixture (testdata/golden/dns-spec/manifests.yaml) and helpers to add to it.</summary>
internal static class Fixture
{
    public static string SpecManifests => File.ReadAllText(Path.Combine(Repo.Root, "testdata/golden/dns-spec/manifests.yaml"));

    /// <summary>default/kubernetes with a v6 ClusterIP 2001:db8::1 (vector 17).</summary>
    public const string V6Kubernetes = """
        apiVersion: v1
        kind: Service
        metadata: {name: kubernetes, namespace: default}
        spec:
          clusterIP: 2001:db8::1
          clusterIPs: ["2001:db8::1"]
          ipFamilies: [IPv6]
          ports: [{name: https, port: 443, protocol: TCP}]
        """;

    public static ClusterOptions DualStack => new() { ServiceCidrV6 = Podwire.Model.Net.Cidr.Parse("2001:db8::/112") };

    public static DerivedCluster Cluster(params string[] extraYaml) => Cluster(DualStack, extraYaml);

    public static DerivedCluster Cluster(ClusterOptions options, params string[] extraYaml)
    {
        var texts = new List<(string, string)> { ("manifests.yaml", SpecManifests) };
        for (int i = 0; i < extraYaml.Length; i++) texts.Add(($"extra{i}.yaml", extraYaml[i]));
        var loaded = ClusterLoader.FromLoadResult(ManifestLoader.LoadTexts(texts), options);
        Assert.True(loaded.Ok, string.Join("\n", loaded.Problems));
        return ControlPlane.Derive(loaded.Model!);
    }

    public static DnsZone Zone(params string[] extraYaml) => DnsZoneBuilder.Build(Cluster(extraYaml));

    public static DnsZone Zone(ClusterOptions options, params string[] extraYaml) => DnsZoneBuilder.Build(Cluster(options, extraYaml));

    /// <summary>A headless Service prod/big with <paramref name="n"/> ready endpoints 10.244.9.x.</summary>
    public static string BigHeadless(int n)
    {
        var sb = new StringBuilder("""
            apiVersion: v1
            kind: Service
            metadata: {name: big, namespace: prod}
            spec: {clusterIP: None, ports: [{name: http, port: 80}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: big-abcde
              namespace: prod
              labels: {kubernetes.io/service-name: big}
            addressType: IPv4
            ports: [{name: http, port: 80, protocol: TCP}]
            endpoints:

            """);
        for (int i = 1; i <= n; i++) sb.Append($"  - addresses: [\"10.244.9.{i}\"]\n    conditions: {{ready: true}}\n");
        return sb.ToString();
    }

    // A short upstream timeout keeps the dead-upstream test quick.
    public static DnsServer Start(DnsZone zone, params IPEndPoint[] upstreams) => Start(zone, TimeSpan.FromMilliseconds(500), upstreams);

    public static DnsServer Start(DnsZone zone, TimeSpan upstreamTimeout, params IPEndPoint[] upstreams) =>
        DnsServer.Start(new DnsServerOptions(new IPEndPoint(IPAddress.Loopback, 0), upstreams) { UpstreamTimeout = upstreamTimeout }, zone);
}

/// <summary>What dig printed: status, header flags, answer records (name, type, data).</summary>
internal sealed record DigResult(string Status, IReadOnlySet<string> Flags, IReadOnlyList<(string Name, string Type, string Data)> Answers, string Raw)
{
    public IEnumerable<string> Data(string type) => Answers.Where(a => a.Type == type).Select(a => a.Data);
}

internal static class Dig
{
    public static DigResult Run(int port, string name, string type, params string[] extra)
    {
        var psi = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "@127.0.0.1", "-p", port.ToString(), "+norec", "+nocmd", "+noall", "+comments", "+answer", "+time=2", "+tries=1" })
            psi.ArgumentList.Add(a);
        foreach (var a in extra) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(name);
        psi.ArgumentList.Add(type);
        using var p = Process.Start(psi)!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string status = "", flags = "";
        var answers = new List<(string, string, string)>();
        bool inAnswer = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            int s = line.IndexOf("status: ", StringComparison.Ordinal);
            if (s >= 0) status = line[(s + 8)..].Split(',')[0];
            if (line.StartsWith(";; flags:", StringComparison.Ordinal)) flags = line[9..].Split(';')[0];
            if (line.StartsWith(";; ANSWER SECTION", StringComparison.Ordinal)) { inAnswer = true; continue; }
            if (line.Length == 0) { inAnswer = false; continue; }
            if (!inAnswer || line.StartsWith(';')) continue;
            var parts = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 5) continue;
            answers.Add((parts[0], parts[3], string.Join(' ', parts[4..]).Trim('"')));
        }
        return new DigResult(status, flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(), answers, text);
    }
}
