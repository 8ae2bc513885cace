using System.Net;
using k8s.Models;
using Podwire.Controllers;
using Podwire.Ingress.Routing;
using Podwire.Model;
using Podwire.Model.Building;
using Podwire.Semantics.Ingress;
using Podwire.Semantics.Services;
using Podwire.Sources;

namespace Podwire.Ingress.Config;

/// <summary>
/// Manifests → <see cref="IngressConfig"/>. Unlike the CLI, one bad Ingress does not stop the
/// rest: an API server would have refused that object alone, so the controller refuses it alone
/// (with its status saying why) and serves everything else. Any other problem fails the load,
/// and the server keeps its previous configuration.
/// </summary>
public static class IngressConfigBuilder
{
    public static ConfigLoad Load(IReadOnlyList<string> paths, ClusterOptions options, long generation)
    {
        LoadResult loaded;
        try { loaded = ManifestLoader.Load(paths); }
        catch (IOException e) { return new ConfigLoad(null, [e.Message]); }
        catch (UnauthorizedAccessException e) { return new ConfigLoad(null, [e.Message]); }
        if (!loaded.Ok) return new ConfigLoad(null, [.. loaded.Problems.Select(p => p.ToString())]);
        return Build(loaded.Objects, options, generation);
    }

    public static ConfigLoad Build(IReadOnlyList<LoadedObject> objects, ClusterOptions options, long generation)
    {
        var sources = new List<SourceObject>(objects.Count);
        foreach (var o in objects) sources.Add(new SourceObject(o.Object, o.Kind, o.Location));

        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        var built = ModelBuilder.Build(sources, options);
        if (!built.Ok)
        {
            var errors = new List<string>();
            foreach (var p in built.Problems)
            {
                if (p.Object is { Kind: "Ingress" } r)
                {
                    string key = r.Namespace + "/" + r.Name;
                    refused.TryAdd(key, "invalid: " + (p.Field is null ? p.Message : p.Field + ": " + p.Message));
                }
                else errors.Add(p.ToString());
            }
            if (errors.Count > 0) return new ConfigLoad(null, errors);
            sources.RemoveAll(s => s.Object is V1Ingress i && refused.ContainsKey(KeyOf(i)));
            built = ModelBuilder.Build(sources, options);
            if (!built.Ok) return new ConfigLoad(null, [.. built.Problems.Select(p => p.ToString())]);
        }
        return Build(ControlPlane.Derive(built.Model!), refused, generation);
    }

    private static string KeyOf(V1Ingress i)
    {
        var r = ModelBuilder.RefOf("Ingress", i.Metadata);
        return r.Namespace + "/" + r.Name;
    }

    /// <summary>
    /// The configuration of a derived cluster. <paramref name="refusedEarlier"/> holds Ingresses
    /// already dropped by validation ("ns/name" → reason); they are reported, never served.
    /// </summary>
    public static ConfigLoad Build(DerivedCluster cluster, IReadOnlyDictionary<string, string>? refusedEarlier, long generation)
    {
        var input = cluster.Input;
        var statuses = new List<IngressStatus>();
        if (refusedEarlier is not null)
            foreach (var (k, why) in refusedEarlier) statuses.Add(new IngressStatus(k, IngressStatus.Refused, why));

        var candidates = new List<Podwire.Model.Ingress>();
        foreach (var ing in input.Ingresses)
        {
            if (!IngressClassSelector.IsOurs(ing, input.IngressClasses, out var why))
                statuses.Add(new IngressStatus(ing.Key, IngressStatus.Ignored, why));
            else if (IngressScreen.Check(ing) is { } hostile)
                statuses.Add(new IngressStatus(ing.Key, IngressStatus.Refused, "configuration injection refused: " + hostile));
            else
            {
                candidates.Add(ing);
                statuses.Add(new IngressStatus(ing.Key, IngressStatus.Served, why));
            }
        }
        statuses.Sort(static (a, b) => string.CompareOrdinal(a.Ingress, b.Ingress));
        var served = IngressClassSelector.Ours(candidates, input.IngressClasses);

        var warnings = new List<string>();
        var backends = new Dictionary<string, ServiceBackend>(StringComparer.Ordinal);
        ServiceBackend? Resolve(Podwire.Model.Ingress ing, IngressBackend b)
        {
            string key = $"{ing.Namespace}/{b.ServiceName}:{b.ServicePort}";
            if (!backends.TryGetValue(key, out var backend))
                backends[key] = backend = ResolveBackend(cluster, ing.Namespace, b.ServiceName!, b.ServicePort, key);
            return backend;
        }
        var routes = RouteTable.Build(served, Resolve);
        var certs = CertificateSet.Build(served, input.Secrets, warnings);
        var list = backends.Values.OrderBy(b => b.Key, StringComparer.Ordinal).ToList();
        foreach (var b in list)
            if (b.Destinations.Count == 0) warnings.Add($"backend {b.Key}: {b.Note}");
        return new ConfigLoad(new IngressConfig(generation, DateTimeOffset.UtcNow, routes, certs, statuses, list, warnings), []);
    }

    /// <summary>The ready endpoints of a Service port, as the proxy dials them (pod IP and target port).</summary>
    public static ServiceBackend ResolveBackend(DerivedCluster cluster, string ns, string name, PortRef? port, string key)
    {
        var svc = cluster.FindService(ns, name);
        if (svc is null) return new ServiceBackend(key, port?.ToString() ?? "", [], $"Service {ns}/{name} not found");
        ServicePort? sp = null;
        foreach (var p in svc.Ports)
            if (p.Protocol == Protocol.TCP && (port is { IsName: true } pr ? p.Name == pr.Name : p.Port == port?.Number)) { sp = p; break; }
        if (sp is null) return new ServiceBackend(key, port?.ToString() ?? "", [], $"Service {ns}/{name} has no TCP port {port}");
        var resolution = ServiceResolver.Resolve(cluster, ns, name, sp.Port, Protocol.TCP);
        if (resolution is null) return new ServiceBackend(key, sp.Port.ToString(), [], $"Service {ns}/{name} not found");
        var destinations = new List<string>();
        foreach (var e in resolution.Endpoints)
        {
            if (!e.Ready) continue;
            var host = IPAddress.TryParse(e.Ip, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{e.Ip}]" : e.Ip;
            destinations.Add($"http://{host}:{e.Port}");
        }
        destinations.Sort(StringComparer.Ordinal);
        return new ServiceBackend(key, sp.Port.ToString(), destinations,
            destinations.Count == 0 ? resolution.Explanation + "; no ready endpoint: requests get 503" : resolution.Explanation);
    }
}
