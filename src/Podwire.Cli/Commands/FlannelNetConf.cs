using System.Text.Json;

namespace Podwire.Cli.Commands;

/// <summary>Reads Flannel's own net-conf.json: <c>{"Network": "10.244.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan"}}</c>.</summary>
public static class FlannelNetConf
{
    public static (string? ClusterCidr, string Backend) Read(string path, string fallbackBackend)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or JsonException)
        {
            throw new CliException($"--net-conf: {path}: {e.Message}");
        }
        using (doc)
        {
            var r = doc.RootElement;
            string? network = r.TryGetProperty("Network", out var n) ? n.GetString() : null;
            if (r.TryGetProperty("SubnetLen", out var len) && len.GetInt32() != 24)
                throw new CliException($"--net-conf: {path}: SubnetLen: Unsupported value: {len.GetInt32()}: the lab gives each node a /24");
            string backend = fallbackBackend;
            if (r.TryGetProperty("Backend", out var b) && b.TryGetProperty("Type", out var t))
                backend = t.GetString() switch
                {
                    "vxlan" => "flannel-vxlan",
                    "host-gw" => "flannel-host-gw",
                    var other => throw new CliException($"--net-conf: {path}: Backend.Type: Unsupported value: \"{other}\": supported values: \"vxlan\", \"host-gw\""),
                };
            return (network, backend);
        }
    }
}
