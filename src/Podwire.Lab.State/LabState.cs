using System.Text.Json;

namespace Podwire.Lab.Daemon;

/// <summary>What <c>up</c> decided, kept in state.json so the daemon, <c>get</c> and <c>apply</c> rebuild the same cluster.</summary>
public sealed record LabState(string Cluster, string Backend, bool ReferenceCni, int? Nodes, string? ClusterCidr, string? ServiceCidr, string? ClusterDomain, string CniPath)
{
    /// <summary>The backend's IPAM scheme: readers that do not know backends (podwire-ingress) derive the same addresses.</summary>
    public Podwire.Model.PodIpamScheme PodIpam { get; init; } = Podwire.Model.PodIpamScheme.NodeSubnets;

    public void Save(string path)
    {
        using var fs = File.Create(path);
        using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("cluster", Cluster);
        w.WriteString("backend", Backend);
        w.WriteBoolean("referenceCni", ReferenceCni);
        if (Nodes is int n) w.WriteNumber("nodes", n);
        if (ClusterCidr is not null) w.WriteString("clusterCidr", ClusterCidr);
        if (ServiceCidr is not null) w.WriteString("serviceCidr", ServiceCidr);
        if (ClusterDomain is not null) w.WriteString("clusterDomain", ClusterDomain);
        w.WriteString("cniPath", CniPath);
        w.WriteString("podIpam", PodIpam.ToString());
        w.WriteEndObject();
    }

    public static LabState Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var r = doc.RootElement;
        string? Str(string k) => r.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new LabState(Str("cluster")!, Str("backend")!, r.TryGetProperty("referenceCni", out var rc) && rc.GetBoolean(),
            r.TryGetProperty("nodes", out var n) ? n.GetInt32() : null, Str("clusterCidr"), Str("serviceCidr"), Str("clusterDomain"), Str("cniPath") ?? "")
        {
            PodIpam = Enum.TryParse<Podwire.Model.PodIpamScheme>(Str("podIpam"), out var ipam) ? ipam : Podwire.Model.PodIpamScheme.NodeSubnets,
        };
    }
}
