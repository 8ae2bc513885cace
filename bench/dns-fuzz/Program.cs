using System.Diagnostics;
using System.Text;
using Podwire.Controllers;
using Podwire.Controllers.Dns;
using Podwire.Dns;
using Podwire.DnsFuzz;
using Podwire.Model;
using Podwire.Sources;

// Generated-packet fuzz run for the cluster DNS server (issue 12), outside CI:
//   dotnet run -c Release --project bench/dns-fuzz -- [--cases N] [--seed S] [--socket N] [--root DIR]
// Every message goes through DnsResponder.Answer in-process (UDP and TCP limits alternately); the
// parser's verdict is compared with ARSoft.Tools.Net's; a sample also goes over real sockets.
// Exit code 1 when any invariant broke.
var opts = Options.Parse(args);
var zone = ZoneOf(opts.Root);
var snapshot = DnsSnapshot.Build(zone);
var names = new List<string>(zone.Nodes.Keys) { "www.example.org.", "10-244-1-5.prod.pod.cluster.local.", "cluster.local.", "." };
Console.WriteLine($"dns-fuzz: seed {opts.Seed}, {opts.Cases:N0} in-process cases, {opts.Socket:N0} over UDP and {opts.Socket / 10:N0} over TCP, zone of {zone.Nodes.Count} names");

var checker = new Checker();
var gen = new Generator(opts.Seed, names);
var reply = new byte[65535];
var watch = Stopwatch.StartNew();
for (long i = 0; i < opts.Cases; i++)
{
    var packet = gen.Next();
    bool udp = (i & 1) == 0;
    checker.InProcess(snapshot, packet, reply, udp, canForward: (i & 2) == 0);
    if (i > 0 && i % 200_000 == 0) Console.WriteLine($"  {i:N0} cases, {checker.Failures} failures, {watch.Elapsed.TotalSeconds:F0} s");
}
var inProcess = watch.Elapsed;
watch.Restart();
var socketGen = new Generator(opts.Seed + 1, names);
SocketPhase.Run(snapshot, socketGen, opts.Socket, checker);
var overSockets = watch.Elapsed;

checker.Report(Console.Out);
Console.WriteLine($"in-process: {opts.Cases:N0} cases in {inProcess.TotalSeconds:F1} s; sockets: {checker.SocketSent:N0} messages in {overSockets.TotalSeconds:F1} s");
Console.WriteLine(checker.Failures == 0 ? "RESULT: PASS (no exception escaped; every answer within its size limit; no error answer larger than its query)" : $"RESULT: FAIL ({checker.Failures} failures)");
return checker.Failures == 0 ? 0 : 1;

static DnsZone ZoneOf(string root)
{
    var sb = new StringBuilder("""
        apiVersion: v1
        kind: Service
        metadata: {name: big, namespace: prod}
        spec: {clusterIP: None, ports: [{name: http, port: 80}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: big-abcde, namespace: prod, labels: {kubernetes.io/service-name: big}}
        addressType: IPv4
        ports: [{name: http, port: 80, protocol: TCP}]
        endpoints:

        """);
    // 120 endpoints: a ~2 KB answer, so truncation is exercised on every limit.
    for (int i = 1; i <= 120; i++) sb.Append($"  - addresses: [\"10.244.9.{i}\"]\n    conditions: {{ready: true}}\n");
    var texts = new List<(string, string)>
    {
        ("manifests.yaml", File.ReadAllText(Path.Combine(root, "testdata/golden/dns-spec/manifests.yaml"))),
        ("big.yaml", sb.ToString()),
    };
    var loaded = ClusterLoader.FromLoadResult(ManifestLoader.LoadTexts(texts), new ClusterOptions());
    if (!loaded.Ok) throw new InvalidOperationException(string.Join("\n", loaded.Problems));
    return DnsZoneBuilder.Build(ControlPlane.Derive(loaded.Model!));
}

internal sealed record Options(long Cases, int Seed, int Socket, string Root)
{
    public static Options Parse(string[] a)
    {
        string Get(string name, string def) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? a[i + 1] : def; }
        return new Options(long.Parse(Get("--cases", "1000000")), int.Parse(Get("--seed", "12")), int.Parse(Get("--socket", "20000")), Get("--root", FindRoot()));
    }

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Podwire.slnx"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("repository root not found; pass --root");
    }
}
