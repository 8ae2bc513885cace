using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Podwire.Controllers.Dns;

/// <summary>Name helpers shared by the zone builder, the resolver and (later) the DNS server.</summary>
public static class DnsNames
{
    public const string ReverseV4 = "in-addr.arpa.";
    public const string ReverseV6 = "ip6.arpa.";

    /// <summary>Lowercase, with exactly one trailing dot. The root stays ".".</summary>
    public static string Canonical(string name)
    {
        var n = name.Trim();
        if (n.Length == 0 || n == ".") return ".";
        n = n.ToLowerInvariant();
        return n.EndsWith('.') ? n : n + ".";
    }

    /// <summary>True when <paramref name="fqdn"/> is <paramref name="zone"/> or lies below it (both canonical).</summary>
    public static bool IsAtOrBelow(string fqdn, string zone)
    {
        if (zone == ".") return true;
        if (fqdn.Length == zone.Length) return fqdn == zone;
        return fqdn.Length > zone.Length && fqdn[fqdn.Length - zone.Length - 1] == '.' && fqdn.EndsWith(zone, StringComparison.Ordinal);
    }

    /// <summary>The name with its first label removed: <c>a.b.c.</c> → <c>b.c.</c>; the root has no parent.</summary>
    public static string? Parent(string fqdn)
    {
        if (fqdn == ".") return null;
        int dot = fqdn.IndexOf('.');
        return dot == fqdn.Length - 1 ? "." : fqdn[(dot + 1)..];
    }

    /// <summary>The reverse-lookup owner name of an address (in-addr.arpa, or nibbles under ip6.arpa).</summary>
    public static string ReverseName(IPAddress ip)
    {
        var bytes = ip.GetAddressBytes();
        var sb = new StringBuilder(80);
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            for (int i = 3; i >= 0; i--) sb.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            return sb.Append(ReverseV4).ToString();
        }
        const string hex = "0123456789abcdef";
        for (int i = 15; i >= 0; i--)
            sb.Append(hex[bytes[i] & 0xF]).Append('.').Append(hex[bytes[i] >> 4]).Append('.');
        return sb.Append(ReverseV6).ToString();
    }

    /// <summary>CoreDNS's synthesized endpoint hostname: the IP with '.' (v4) or ':' (v6) replaced by '-'.</summary>
    public static string DashedIp(string ip) =>
        ip.Contains(':') ? ip.Replace(':', '-').ToLowerInvariant() : ip.Replace('.', '-');

    /// <summary>Parses a dashed pod label (<c>10-244-1-5</c>, <c>2001-db8--1</c>) back to an address.</summary>
    public static bool TryParseDashedIp(string label, out IPAddress? ip)
    {
        ip = null;
        if (label.Length == 0) return false;
        int dashes = 0;
        foreach (char c in label) if (c == '-') dashes++;
        // Four dotted parts means v4; anything else with dashes is tried as v6.
        string text = dashes == 3 && !label.Contains("--") ? label.Replace('-', '.') : label.Replace('-', ':');
        if (!IPAddress.TryParse(text, out var parsed)) return false;
        if (parsed.AddressFamily == AddressFamily.InterNetwork && dashes != 3) return false;
        ip = parsed;
        return true;
    }

    /// <summary>Canonical text of an address (v6 compressed, lowercase); null when it does not parse.</summary>
    public static string? NormalizeIp(string text) =>
        IPAddress.TryParse(text, out var ip) ? ip.ToString() : null;
}
