using System.Net;
using System.Text.Json.Nodes;
using Podwire.Model.Net;

namespace Podwire.Cni.Ipam;

/// <summary>
/// podwire-ipam's config: <c>{"type":"podwire-ipam","subnet":"10.244.1.0/24","gateway"?,"rangeStart"?,
/// "rangeEnd"?,"dataDir"?,"routes"?}</c>. Like host-local, the store is <c>dataDir/&lt;network name&gt;</c>
/// with dataDir defaulting to <see cref="DefaultDataDir"/>.
/// </summary>
public sealed record IpamConfig(Cidr Subnet, IPAddress Gateway, IPAddress RangeStart, IPAddress RangeEnd, string StoreDir, IReadOnlyList<CniRoute> Routes)
{
    public const string DefaultDataDir = "/var/lib/podwire/cni/networks";

    public static IpamConfig? Parse(string networkName, JsonObject ipam, out CniError? error)
    {
        error = null;
        var subnetText = Json.Str(ipam, "subnet");
        if (subnetText is null || !Cidr.TryParse(subnetText, out var subnet))
            return Fail($"ipam.subnet \"{subnetText}\" is not a CIDR", out error);
        if (subnet.HostBits < 2) return Fail($"ipam.subnet {subnet} has no room for pods", out error);

        var gw = Addr(ipam, "gateway", subnet.AddressAt(1), subnet, out var bad);
        var start = Addr(ipam, "rangeStart", subnet.AddressAt(1), subnet, out var bad2);
        // The last usable address: v4 keeps the broadcast address out.
        var lastOffset = subnet.IsIPv4 ? subnet.Size - 2 : subnet.Size - 1;
        var end = Addr(ipam, "rangeEnd", subnet.AddressAt(lastOffset), subnet, out var bad3);
        var problem = bad ?? bad2 ?? bad3;
        if (problem is not null) return Fail(problem, out error);
        if (IpMath.Compare(start!, end!) > 0) return Fail($"ipam.rangeStart {start} is after rangeEnd {end}", out error);

        var routes = new List<CniRoute>();
        if (ipam["routes"] is JsonArray ra)
            foreach (var r in ra.OfType<JsonObject>())
            {
                var dst = Json.Str(r, "dst");
                if (dst is null || !Cidr.TryParse(dst, out _)) return Fail($"ipam route dst \"{dst}\" is not a CIDR", out error);
                routes.Add(new CniRoute(dst, Json.Str(r, "gw")));
            }

        var dataDir = Json.Str(ipam, "dataDir") ?? DefaultDataDir;
        return new IpamConfig(subnet, gw!, start!, end!, Path.Combine(dataDir, networkName), routes);
    }

    public bool InRange(IPAddress ip) =>
        Subnet.Contains(ip) && IpMath.Compare(ip, RangeStart) >= 0 && IpMath.Compare(ip, RangeEnd) <= 0;

    private static IPAddress? Addr(JsonObject o, string key, IPAddress fallback, Cidr subnet, out string? problem)
    {
        problem = null;
        var text = Json.Str(o, key);
        if (text is null) return fallback;
        if (!IpMath.TryParseStrict(text, out var ip)) { problem = $"ipam.{key} \"{text}\" is not an IP address"; return null; }
        if (!subnet.Contains(ip)) { problem = $"ipam.{key} {ip} is outside subnet {subnet}"; return null; }
        return ip;
    }

    private static IpamConfig? Fail(string msg, out CniError? error)
    {
        error = new CniError(CniCodes.InvalidConfig, msg);
        return null;
    }
}
