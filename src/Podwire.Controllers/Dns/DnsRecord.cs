namespace Podwire.Controllers.Dns;

/// <summary>The record types cluster DNS serves; values are the wire type codes.</summary>
public enum DnsType
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    ANY = 255,
}

public static class DnsTypes
{
    /// <summary>Parses a type mnemonic case-insensitively (A, aaaa, Srv…); numbers are not accepted.</summary>
    public static bool TryParse(string? text, out DnsType type)
    {
        type = default;
        if (string.IsNullOrEmpty(text) || char.IsDigit(text[0])) return false;
        return Enum.TryParse(text, ignoreCase: true, out type) && Enum.IsDefined(type);
    }
}

/// <summary>
/// One resource record in presentation form. <see cref="Name"/> is the lowercase FQDN with a
/// trailing dot. <see cref="Data"/>: A/AAAA the address; SRV <c>priority weight port target</c>;
/// CNAME/PTR the target FQDN with a trailing dot; TXT the string itself (no quotes).
/// </summary>
public sealed record DnsRecord(string Name, DnsType Type, int Ttl, string Data)
{
    public override string ToString() => $"{Name} {Ttl} IN {Type} {Data}";
}
