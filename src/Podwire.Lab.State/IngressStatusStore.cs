using System.Text.Json;
using Podwire.Controllers;
using Podwire.Model;

namespace Podwire.Lab.Daemon;

/// <summary>What the ingress controller says about one Ingress: served (with the addresses it publishes), refused or ignored, and why.</summary>
public sealed record IngressStatusEntry(string Ingress, string State, string Reason, IReadOnlyList<string> Addresses);

/// <summary>
/// The lab's stand-in for writing Ingress status through the API server: the controller (a
/// separate process in the ingress pods) writes one JSON file after every configuration it puts
/// live, and the CLI folds it into the Ingresses it shows. Served Ingresses get
/// <c>status.loadBalancer.ingress</c> (the controller's published Service address, as
/// ingress-nginx's <c>--publish-service</c>); refused ones get <see cref="StatusAnnotation"/>
/// saying why, since networking.k8s.io/v1 Ingress status has no conditions.
/// </summary>
public static class IngressStatusStore
{
    public const string StatusAnnotation = "ingress.podwire.io/status";

    public static void Write(string path, IReadOnlyList<IngressStatusEntry> entries)
    {
        var tmp = path + ".tmp" + Environment.ProcessId;
        using (var fs = File.Create(tmp))
        using (var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("ingresses");
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteString("ingress", e.Ingress);
                w.WriteString("state", e.State);
                w.WriteString("reason", e.Reason);
                w.WriteStartArray("addresses");
                foreach (var a in e.Addresses) w.WriteStringValue(a);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The entries by "ns/name"; empty when the controller has written nothing (yet) or the file is unreadable.</summary>
    public static IReadOnlyDictionary<string, IngressStatusEntry> Read(string path)
    {
        var result = new Dictionary<string, IngressStatusEntry>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var e in doc.RootElement.GetProperty("ingresses").EnumerateArray())
            {
                var addresses = e.GetProperty("addresses").EnumerateArray().Select(a => a.GetString() ?? "").ToList();
                var entry = new IngressStatusEntry(e.GetProperty("ingress").GetString() ?? "", e.GetProperty("state").GetString() ?? "",
                    e.GetProperty("reason").GetString() ?? "", addresses);
                result[entry.Ingress] = entry;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }
        return result;
    }

    /// <summary>The cluster with each Ingress's status as the controller published it.</summary>
    public static DerivedCluster Apply(DerivedCluster cluster, IReadOnlyDictionary<string, IngressStatusEntry> entries)
    {
        if (entries.Count == 0) return cluster;
        var ingresses = new List<Ingress>(cluster.Input.Ingresses.Count);
        foreach (var i in cluster.Input.Ingresses)
        {
            if (!entries.TryGetValue(i.Key, out var e)) { ingresses.Add(i); continue; }
            ingresses.Add(e.State switch
            {
                "served" => i with { LoadBalancerIngress = e.Addresses },
                "refused" => i with { Annotations = i.Annotations.With(StatusAnnotation, "refused: " + e.Reason) },
                _ => i,
            });
        }
        return cluster with { Input = cluster.Input with { Ingresses = ingresses } };
    }
}
