using System.Text;
using Podwire.Controllers.Dns;

namespace Podwire.Dns;

/// <summary>
/// Writes a <see cref="DnsZone"/> as RFC 1035 master files, one per origin (the cluster domain,
/// in-addr.arpa., ip6.arpa.), so an authoritative server such as Knot can serve the very same
/// records (the benchmark's reference). <c>pods insecure</c> names are synthesized per query
/// and cannot be listed, so they are absent.
/// </summary>
public static class DnsZoneFile
{
    /// <summary>(origin, file text) for each origin, in the order of <see cref="DnsZone.Origins"/>.</summary>
    public static IReadOnlyList<(string Origin, string Text)> Render(DnsZone zone)
    {
        var result = new List<(string, string)>();
        foreach (var origin in zone.Origins)
        {
            var sb = new StringBuilder();
            sb.Append("$ORIGIN ").Append(origin).Append('\n');
            sb.Append(origin).Append(' ').Append(zone.Ttl).Append(" IN SOA ns.dns.").Append(zone.Domain)
              .Append(" hostmaster.").Append(zone.Domain).Append(" 1 7200 1800 86400 ").Append(zone.Ttl).Append('\n');
            sb.Append(origin).Append(' ').Append(zone.Ttl).Append(" IN NS ns.dns.").Append(zone.Domain).Append('\n');
            if (origin == zone.Domain) sb.Append("ns.dns.").Append(zone.Domain).Append(' ').Append(zone.Ttl).Append(" IN A 127.0.0.1\n");
            var names = new List<string>();
            foreach (var (name, _) in zone.Nodes) if (DnsNames.IsAtOrBelow(name, origin)) names.Add(name);
            names.Sort(StringComparer.Ordinal);
            foreach (var name in names)
                foreach (var r in zone.Nodes[name].Records)
                {
                    sb.Append(r.Name).Append(' ').Append(r.Ttl).Append(" IN ").Append(r.Type).Append(' ');
                    sb.Append(r.Type == DnsType.TXT ? "\"" + r.Data.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"" : r.Data).Append('\n');
                }
            result.Add((origin, sb.ToString()));
        }
        return result;
    }
}
