using System.Diagnostics;
using System.Text;
using Podwire.Controllers;
using Podwire.Model;
using Podwire.Model.Net;
using Podwire.Policy.Engine;
using Podwire.Sources;

/// <summary>
/// Issue 3's policy scale cluster as YAML, and an in-process measurement of what
/// <c>podwire matrix -o counts</c> does with it, stage by stage. The cluster has the shape of
/// tests/Podwire.Policy.Tests/ScaleClusterGenerator.cs: namespaces owned by teams, three
/// Deployments per namespace (pods share labels, as ReplicaSet pods do), and policies of the
/// shapes seen in practice (default deny, cross-namespace by team, named ports, endPort ranges,
/// egress to CIDRs with except, DNS egress). Pods carry no IPs: the control plane allocates them,
/// so give enough nodes (10k pods: --nodes 50; 150k pods: --nodes 1000 --cluster-cidr 10.0.0.0/14).
/// </summary>
internal static class PolicyBench
{
    private static int Arg(string[] a, string name, int def)
    {
        int i = Array.IndexOf(a, name);
        return i >= 0 && i + 1 < a.Length ? int.Parse(a[i + 1]) : def;
    }

    private static string? StrArg(string[] a, string name)
    {
        int i = Array.IndexOf(a, name);
        return i >= 0 && i + 1 < a.Length ? a[i + 1] : null;
    }

    private static string Ns(int i) => $"ns-{i:D5}";

    public static int Generate(string[] a)
    {
        string outPath = a[0];
        int pods = Arg(a, "--pods", 10_000), namespaces = Arg(a, "--namespaces", pods / 10), policies = Arg(a, "--policies", pods);
        const int apps = 3;
        using var w = new StreamWriter(outPath, false, new UTF8Encoding(false), 1 << 20);
        for (int n = 0; n < namespaces; n++)
            w.Write($"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {Ns(n)}\n  labels:\n    team: team-{n % 50}\n    env: {(n % 3 == 0 ? "prod" : "dev")}\n");
        for (int i = 0; i < pods; i++)
        {
            int ns = i % namespaces, app = i / namespaces % apps;
            string ports = app == 1
                ? "        - name: http\n          containerPort: 80\n        - name: dns\n          containerPort: 53\n          protocol: UDP\n"
                : "        - name: http\n          containerPort: 8080\n        - name: metrics\n          containerPort: 9090\n";
            w.Write($"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: app-{app}-{i}\n  namespace: {Ns(ns)}\n  labels:\n    app: app-{app}\n    tier: {(app == 0 ? "frontend" : "backend")}\n    pod-template-hash: h{app}\nspec:\n  containers:\n    - name: app\n      image: registry.example/app:1.0\n      ports:\n{ports}");
        }
        for (int i = 0; i < policies; i++)
        {
            int ns = i % namespaces;
            w.Write($"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np-{i}\n  namespace: {Ns(ns)}\nspec:\n");
            w.Write(PolicySpec((i + i / namespaces) % 8, ns));
        }
        w.Flush();
        Console.WriteLine($"wrote {outPath}: {namespaces} namespaces, {pods} pods, {policies} NetworkPolicies, {new FileInfo(outPath).Length / 1024 / 1024.0:F1} MiB");
        return 0;
    }

    private static string PolicySpec(int shape, int ns) => shape switch
    {
        0 => "  podSelector: {}\n  policyTypes: [Ingress]\n",
        1 => "  podSelector:\n    matchLabels:\n      app: app-0\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: app-1\n      ports:\n        - port: http\n",
        2 => $"  podSelector:\n    matchLabels:\n      app: app-1\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              tier: frontend\n          namespaceSelector:\n            matchLabels:\n              team: team-{ns % 50}\n      ports:\n        - port: 80\n          endPort: 90\n",
        3 => "  podSelector:\n    matchLabels:\n      app: app-2\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels:\n              env: prod\n      ports:\n        - port: 80\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.0/8\n            except: [10.244.1.0/24]\n      ports:\n        - port: 443\n",
        4 => "  podSelector:\n    matchLabels:\n      app: app-0\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - ipBlock:\n            cidr: 172.18.0.0/16\n    - from:\n        - namespaceSelector:\n            matchExpressions:\n              - key: env\n                operator: NotIn\n                values: [dev]\n",
        5 => "  podSelector:\n    matchLabels:\n      tier: backend\n  policyTypes: [Egress]\n  egress:\n    - ports:\n        - protocol: UDP\n          port: 53\n    - to:\n        - podSelector:\n            matchExpressions:\n              - key: app\n                operator: In\n                values: [app-0, app-1]\n",
        6 => "  podSelector:\n    matchLabels:\n      app: app-1\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector: {}\n      ports:\n        - port: http\n        - protocol: UDP\n          port: dns\n",
        _ => "  podSelector:\n    matchExpressions:\n      - key: tier\n        operator: Exists\n  policyTypes: [Ingress, Egress]\n  ingress:\n    - from:\n        - podSelector: {}\n  egress:\n    - ports:\n        - port: http\n",
    };

    public static int Measure(string[] a)
    {
        string file = a[0];
        int nodes = Arg(a, "--nodes", 50), port = Arg(a, "--port", 80);
        var options = new ClusterOptions { GeneratedNodes = nodes };
        if (StrArg(a, "--cluster-cidr") is { } cc) options = options with { ClusterCidr = Cidr.Parse(cc) };
        var sw = Stopwatch.StartNew();
        var loaded = ManifestLoader.LoadTexts([(file, File.ReadAllText(file))]);
        double tLoad = sw.Elapsed.TotalSeconds; sw.Restart();
        var built = ClusterLoader.FromLoadResult(loaded, options);
        if (!built.Ok)
        {
            foreach (var p in built.Problems.Take(10)) Console.Error.WriteLine(p);
            return 1;
        }
        double tModel = sw.Elapsed.TotalSeconds; sw.Restart();
        var derived = ControlPlane.Derive(built.Model!);
        double tDerive = sw.Elapsed.TotalSeconds; sw.Restart();
        var engine = PolicyEngine.Build(derived);
        double tEngine = sw.Elapsed.TotalSeconds; sw.Restart();
        var counts = engine.MatrixCounts(port, Protocol.TCP);
        double tCount = sw.Elapsed.TotalSeconds;
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        int pending = derived.Pods.Count(p => p.PodIP is null);
        Console.WriteLine($"pods {counts.Pods} ({pending} without an IP), namespaces {derived.Namespaces.Count}, NetworkPolicies {derived.Input.NetworkPolicies.Count}, identities {engine.Identities.Capacity - 3}");
        Console.WriteLine($"{port}/TCP allowed {counts.Allowed} of {counts.Pairs}");
        Console.WriteLine($"load {tLoad:F2} s + model {tModel:F2} s + derive {tDerive:F2} s + engine build {tEngine:F2} s + counts {tCount:F2} s = {tLoad + tModel + tDerive + tEngine + tCount:F2} s");
        Console.WriteLine($"peak working set: {peak / 1024 / 1024} MiB");
        return 0;
    }
}
