using System.Diagnostics;
using System.Text;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Sources;

// Podwire's performance harness. Each measurement prints its figure next to a baseline taken in
// the same run, so the ratio holds whatever else the machine is doing.
//   gen-scale OUT --services N --pods-per-service K --namespaces M
//   load FILE [--nodes N]     load + validate + derive in-process, against YamlDotNet's bare parse
//   gen-policy OUT --pods N --namespaces M --policies K   NetworkPolicy scale cluster (issue 3)
//   policy FILE [--nodes N] [--cluster-cidr C] [--port P]  load + derive + policy engine + matrix counts, by stage
//   proxy [--services N] [--endpoints K] [--connects C]   service proxy: full sync, one-endpoint update, connect latency (root)
return args.FirstOrDefault() switch
{
    "gen-scale" => GenScale(args[1..]),
    "load" => Load(args[1..]),
    "gen-policy" => PolicyBench.Generate(args[1..]),
    "policy" => PolicyBench.Measure(args[1..]),
    "proxy" => ProxyBench.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Podwire.Bench gen-scale OUT [--services N] [--pods-per-service K] [--namespaces M] | load FILE [--nodes N]");
    Console.Error.WriteLine("       Podwire.Bench gen-policy OUT [--pods N] [--namespaces M] [--policies K] | policy FILE [--nodes N] [--cluster-cidr C] [--port P]");
    return 2;
}

static int Arg(string[] a, string name, int def)
{
    int i = Array.IndexOf(a, name);
    return i >= 0 && i + 1 < a.Length ? int.Parse(a[i + 1]) : def;
}

static int GenScale(string[] a)
{
    string outPath = a[0];
    int services = Arg(a, "--services", 10_000), perService = Arg(a, "--pods-per-service", 5), namespaces = Arg(a, "--namespaces", 500);
    using var w = new StreamWriter(outPath, false, new UTF8Encoding(false), 1 << 20);
    for (int n = 0; n < namespaces; n++)
        w.Write($"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{n}\n  labels:\n    team: t{n % 20}\n");
    for (int s = 0; s < services; s++)
    {
        int ns = s % namespaces;
        w.Write($"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{s}\n  namespace: ns-{ns}\n  labels:\n    app: app-{s}\nspec:\n  selector:\n    app: app-{s}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n    - name: metrics\n      port: 9100\n");
        for (int p = 0; p < perService; p++)
            w.Write($"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: app-{s}-{p}\n  namespace: ns-{ns}\n  labels:\n    app: app-{s}\n    tier: t{p % 3}\nspec:\n  containers:\n    - name: main\n      image: registry.example/app:1.0\n      ports:\n        - name: http\n          containerPort: 8080\n        - name: metrics\n          containerPort: 9100\n");
    }
    Console.WriteLine($"wrote {outPath}: {namespaces} namespaces, {services} services, {services * perService} pods, {new FileInfo(outPath).Length / 1024 / 1024.0:F1} MiB");
    return 0;
}

static int Load(string[] a)
{
    string file = a[0];
    int nodes = Arg(a, "--nodes", 250);
    var text = File.ReadAllText(file);

    // Baseline: YamlDotNet's parser walking every event of the same text, one core.
    var sw = Stopwatch.StartNew();
    long events = 0;
    var parser = new YamlDotNet.Core.Parser(new StringReader(text));
    while (parser.MoveNext()) events++;
    double parseOnly = sw.Elapsed.TotalSeconds;

    GC.Collect();
    sw.Restart();
    var loaded = ManifestLoader.LoadTexts([(file, text)]);
    double tLoad = sw.Elapsed.TotalSeconds;
    var built = ClusterLoader.FromLoadResult(loaded, new ClusterOptions { GeneratedNodes = nodes });
    double tBuild = sw.Elapsed.TotalSeconds - tLoad;
    if (!built.Ok)
    {
        foreach (var p in built.Problems.Take(10)) Console.Error.WriteLine(p);
        return 1;
    }
    var derived = ControlPlane.Derive(built.Model!);
    double total = sw.Elapsed.TotalSeconds;
    double tDerive = total - tLoad - tBuild;
    long peak = Process.GetCurrentProcess().PeakWorkingSet64;
    Console.WriteLine($"objects: {loaded.Objects.Count}, pods: {derived.Pods.Count}, services: {derived.Services.Count}, slices: {derived.EndpointSlices.Count}");
    Console.WriteLine($"baseline  YamlDotNet parse only (1 core, {events} events): {parseOnly:F2} s");
    Console.WriteLine($"podwire   load {tLoad:F2} s + validate/build {tBuild:F2} s + derive {tDerive:F2} s = {total:F2} s");
    Console.WriteLine($"ratio     podwire total / bare parse = {total / parseOnly:F2}");
    Console.WriteLine($"peak working set: {peak / 1024 / 1024} MiB");
    return 0;
}
