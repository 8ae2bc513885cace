using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary><c>podwire trace</c> against a real lab (root only): one pod → Service connection, traced.</summary>
[Collection("lab")]
public sealed class TraceLabTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: Node
        metadata: {name: node-1}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: node-2}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client, namespace: default}
        spec:
          nodeName: node-1
          containers: [{name: c}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: s1, namespace: default, labels: {app: s}}
        spec:
          nodeName: node-2
          containers: [{name: c, ports: [{containerPort: 8080, name: http}, {containerPort: 9000, name: assoc, protocol: SCTP}]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: default}
        spec:
          selector: {app: s}
          ports: [{name: http, port: 80, targetPort: http}, {name: assoc, port: 9, targetPort: assoc, protocol: SCTP}]
        """;

    [RootFact]
    public void TracesAPodToServiceConnectionThroughTheProxyToItsEndpoint()
    {
        var dir = Directory.CreateTempSubdirectory("pw-tracetest-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), Manifest);
            using var lab = new TestLab(dir.FullName);
            TraceAndCheck(lab.Name);
        }
        finally { dir.Delete(true); }
    }

    private static void TraceAndCheck(string cluster)
    {

        var table = PodwireCli.Run("trace", "default/client", "--to", "default/s", "--port", "80", "--cluster", cluster);
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("ip podwire-proxy nat-prerouting: jump services", table.Stdout);
        Assert.Contains("answered by: default/s1", table.Stdout);

        var r = PodwireCli.Run("trace", "default/client", "--to", "default/s", "--port", "80", "--cluster", cluster, "-o", "json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        var predicted = root.GetProperty("prediction");
        Assert.True(predicted.GetProperty("delivered").GetBoolean());
        var endpoint = Assert.Single(predicted.GetProperty("endpoints").EnumerateArray()).GetString()!;
        Assert.EndsWith(":8080 (default/s1)", endpoint);

        var observed = root.GetProperty("observed");
        Assert.True(observed.GetProperty("delivered").GetBoolean());
        Assert.Equal("200 s1", observed.GetProperty("response").GetString());
        var nodes = observed.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(["node-1", "node-2"], nodes.Select(n => n.GetProperty("node").GetString()));
        // The client's node DNATs the ClusterIP to the one endpoint, which the analyzer predicted.
        Assert.Equal(endpoint.Split(' ')[0], nodes[0].GetProperty("dnat").GetString());
        Assert.Contains(nodes[0].GetProperty("events").EnumerateArray(), e =>
            e.GetProperty("table").GetString() == "podwire-proxy" && e.GetProperty("rule").GetString() is { } rule && rule.Contains("dnat"));
        Assert.NotEqual(0, nodes[1].GetProperty("events").GetArrayLength());

        // SCTP through the proxy: the INIT is DNATed to the endpoint's SCTP port, the INIT ACK comes back
        // through conntrack, and the state cookie names the pod that answered.
        var sctp = PodwireCli.Run("trace", "default/client", "--to", "default/s", "--port", "9", "--protocol", "SCTP", "--cluster", cluster, "-o", "json");
        Assert.True(sctp.ExitCode == 0, sctp.Stderr);
        var sctpRoot = JsonDocument.Parse(sctp.Stdout).RootElement;
        var sctpEndpoint = Assert.Single(sctpRoot.GetProperty("prediction").GetProperty("endpoints").EnumerateArray()).GetString()!;
        Assert.EndsWith(":9000 (default/s1)", sctpEndpoint);
        var sctpObserved = sctpRoot.GetProperty("observed");
        Assert.True(sctpObserved.GetProperty("delivered").GetBoolean(), sctp.Stdout);
        Assert.Equal("s1", sctpObserved.GetProperty("response").GetString());
        Assert.Equal(sctpEndpoint.Split(' ')[0], sctpObserved.GetProperty("nodes")[0].GetProperty("dnat").GetString());

        // The trace tables are gone again.
        foreach (var node in (string[])["node-1", "node-2"])
        {
            var listed = Programs.Run("ip", "netns", "exec", $"pw-{cluster}-node-{node}", "nft", "list", "tables");
            Assert.Equal(0, listed.ExitCode);
            Assert.DoesNotContain("podwire-trace", listed.Stdout);
        }
    }
}
