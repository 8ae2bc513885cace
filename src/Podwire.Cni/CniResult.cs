using System.Text.Json.Nodes;

namespace Podwire.Cni;

public sealed record CniInterface(string Name, string? Mac = null, int? Mtu = null, string? Sandbox = null);

/// <summary>An address "a.b.c.d/len"; <see cref="Interface"/> indexes the result's interfaces (absent in IPAM results).</summary>
public sealed record CniIp(string Address, string? Gateway = null, int? Interface = null);

public sealed record CniRoute(string Dst, string? Gw = null, int? Mtu = null, int? AdvMss = null, int? Priority = null, int? Table = null, int? Scope = null);

public sealed record CniDns(IReadOnlyList<string> Nameservers, string? Domain, IReadOnlyList<string> Search, IReadOnlyList<string> Options)
{
    public static readonly CniDns Empty = new([], null, [], []);
    public bool IsEmpty => Nameservers.Count == 0 && Domain is null && Search.Count == 0 && Options.Count == 0;

    public static CniDns Parse(JsonObject? o) => o is null ? Empty : new(
        Strings(o["nameservers"]), Json.Str(o, "domain"), Strings(o["search"]), Strings(o["options"]));

    public JsonObject ToJson()
    {
        var o = new JsonObject();
        if (Nameservers.Count > 0) o["nameservers"] = Array(Nameservers);
        if (Domain is not null) o["domain"] = Domain;
        if (Search.Count > 0) o["search"] = Array(Search);
        if (Options.Count > 0) o["options"] = Array(Options);
        return o;
    }

    internal static IReadOnlyList<string> Strings(JsonNode? n)
    {
        var r = new List<string>();
        if (n is JsonArray a)
            foreach (var x in a)
                if (x is JsonValue v && v.TryGetValue<string>(out var s)) r.Add(s);
        return r;
    }

    internal static JsonArray Array(IEnumerable<string> items)
    {
        var a = new JsonArray();
        foreach (var s in items) a.Add((JsonNode)JsonValue.Create(s));
        return a;
    }
}

/// <summary>
/// A CNI ADD result (also what IPAM returns: no interfaces, no ips[].interface). Written in the
/// caller's cniVersion; read from 0.3.0 and later shapes (1.x is what every current plugin prints).
/// </summary>
public sealed record CniResult(IReadOnlyList<CniInterface> Interfaces, IReadOnlyList<CniIp> Ips, IReadOnlyList<CniRoute> Routes, CniDns Dns)
{
    public static CniResult Parse(JsonObject o)
    {
        var ifs = new List<CniInterface>();
        if (o["interfaces"] is JsonArray ia)
            foreach (var n in ia.OfType<JsonObject>())
                ifs.Add(new CniInterface(Json.Str(n, "name") ?? "", Json.Str(n, "mac"), Int(n, "mtu"), Json.Str(n, "sandbox")));
        var ips = new List<CniIp>();
        if (o["ips"] is JsonArray pa)
            foreach (var n in pa.OfType<JsonObject>())
                ips.Add(new CniIp(Json.Str(n, "address") ?? "", Json.Str(n, "gateway"), Int(n, "interface")));
        var routes = new List<CniRoute>();
        if (o["routes"] is JsonArray ra)
            foreach (var n in ra.OfType<JsonObject>())
                routes.Add(new CniRoute(Json.Str(n, "dst") ?? "", Json.Str(n, "gw"), Int(n, "mtu"), Int(n, "advmss"), Int(n, "priority"), Int(n, "table"), Int(n, "scope")));
        return new CniResult(ifs, ips, routes, CniDns.Parse(o["dns"] as JsonObject));
    }

    public JsonObject ToJson(string cniVersion)
    {
        if (CniVersions.IsLegacy(cniVersion)) return ToLegacyJson(cniVersion);
        var o = new JsonObject { ["cniVersion"] = cniVersion };
        if (Interfaces.Count > 0)
        {
            var a = new JsonArray();
            foreach (var i in Interfaces)
            {
                var n = new JsonObject { ["name"] = i.Name };
                if (i.Mac is not null) n["mac"] = i.Mac;
                if (i.Mtu is not null) n["mtu"] = i.Mtu;
                if (!string.IsNullOrEmpty(i.Sandbox)) n["sandbox"] = i.Sandbox;
                a.Add((JsonNode)n);
            }
            o["interfaces"] = a;
        }
        var ips = new JsonArray();
        foreach (var ip in Ips)
        {
            var n = new JsonObject();
            if (CniVersions.HasIpVersionField(cniVersion)) n["version"] = ip.Address.Contains(':') ? "6" : "4";
            n["address"] = ip.Address;
            if (ip.Gateway is not null) n["gateway"] = ip.Gateway;
            if (ip.Interface is not null) n["interface"] = ip.Interface;
            ips.Add((JsonNode)n);
        }
        o["ips"] = ips;
        if (Routes.Count > 0) o["routes"] = RoutesJson(Routes);
        if (!Dns.IsEmpty) o["dns"] = Dns.ToJson();
        return o;
    }

    private static JsonArray RoutesJson(IEnumerable<CniRoute> routes)
    {
        var a = new JsonArray();
        foreach (var r in routes)
        {
            var n = new JsonObject { ["dst"] = r.Dst };
            if (r.Gw is not null) n["gw"] = r.Gw;
            if (r.Mtu is not null) n["mtu"] = r.Mtu;
            if (r.AdvMss is not null) n["advmss"] = r.AdvMss;
            if (r.Priority is not null) n["priority"] = r.Priority;
            if (r.Table is not null) n["table"] = r.Table;
            if (r.Scope is not null) n["scope"] = r.Scope;
            a.Add((JsonNode)n);
        }
        return a;
    }

    /// <summary>The 0.1.0/0.2.0 shape: one "ip4"/"ip6" object each with ip, gateway and routes.</summary>
    private JsonObject ToLegacyJson(string cniVersion)
    {
        var o = new JsonObject { ["cniVersion"] = cniVersion };
        foreach (var family in new[] { "4", "6" })
        {
            var ip = Ips.FirstOrDefault(i => (i.Address.Contains(':') ? "6" : "4") == family);
            if (ip is null) continue;
            var n = new JsonObject { ["ip"] = ip.Address };
            if (ip.Gateway is not null) n["gateway"] = ip.Gateway;
            var rs = Routes.Where(r => (r.Dst.Contains(':') ? "6" : "4") == family).ToList();
            if (rs.Count > 0) n["routes"] = RoutesJson(rs);
            o["ip" + family] = n;
        }
        if (!Dns.IsEmpty) o["dns"] = Dns.ToJson();
        return o;
    }

    private static int? Int(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i
        : o[key] is JsonValue s && s.TryGetValue<string>(out var str) && int.TryParse(str, out var j) ? j : null;
}
