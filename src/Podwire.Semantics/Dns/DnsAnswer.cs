using Podwire.Controllers.Dns;

namespace Podwire.Semantics.Dns;

/// <summary>Response codes (RFC 1035 §4.1.1); values are the wire codes.</summary>
public enum DnsRcode { NoError = 0, FormErr = 1, ServFail = 2, NXDomain = 3, NotImp = 4, Refused = 5 }

public static class DnsRcodes
{
    /// <summary>The mnemonic dig prints: NOERROR, NXDOMAIN, REFUSED…</summary>
    public static string ToText(this DnsRcode rcode) => rcode switch
    {
        DnsRcode.NoError => "NOERROR",
        DnsRcode.FormErr => "FORMERR",
        DnsRcode.ServFail => "SERVFAIL",
        DnsRcode.NXDomain => "NXDOMAIN",
        DnsRcode.NotImp => "NOTIMP",
        _ => "REFUSED",
    };
}

/// <summary>
/// What cluster DNS answers for one question. <see cref="DnsRcode.Refused"/> means the name is
/// outside every zone cluster DNS is authoritative for (<see cref="NotInZone"/>): a real CoreDNS
/// would forward it upstream, which analysis cannot do.
/// </summary>
public sealed record DnsAnswer(DnsRcode Rcode, IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Additional)
{
    public bool NotInZone => Rcode == DnsRcode.Refused;
    /// <summary>NOERROR with at least one record: what a stub resolver takes as success.</summary>
    public bool HasData => Rcode == DnsRcode.NoError && Answers.Count > 0;
}

/// <summary>
/// A stub-resolver lookup from inside a pod: every name tried in order with its answer, and the
/// outcome (the first answer with data, else the first NODATA, else the last NXDOMAIN/REFUSED).
/// </summary>
public sealed record DnsLookup(ResolvConf Conf, IReadOnlyList<DnsLookupStep> Steps, DnsAnswer Answer, string? ResolvedName)
{
    public IReadOnlyList<string> Tried => [.. Steps.Select(s => s.Name)];
}

public sealed record DnsLookupStep(string Name, DnsAnswer Answer);
