using Podwire.Controllers.Dns;
using Podwire.Model;

namespace Podwire.Semantics.Dns;

/// <summary>
/// Answers questions against a <see cref="DnsZone"/> the way cluster DNS (CoreDNS) does, and
/// resolves names from a pod the way glibc's stub resolver does with the pod's resolv.conf.
/// </summary>
/// <remarks>
/// An alias (ExternalName CNAME) answers every query type except CNAME itself with the CNAME,
/// followed, when the target lies in the zone, by the target's records (RFC 1034 §3.6.2); the
/// rcode is then the target's. Targets outside the zone stop the chase with NOERROR: CoreDNS
/// would ask upstream for them, analysis does not. Owner names are returned canonical
/// (lowercase) rather than echoing the question's case.
/// </remarks>
public static class DnsResolver
{
    private const int MaxChain = 8;

    public static DnsAnswer Query(DnsZone zone, string name, DnsType type)
    {
        string fqdn = DnsNames.Canonical(name);
        if (!zone.IsAuthoritative(fqdn)) return new DnsAnswer(DnsRcode.Refused, [], []);

        var answers = new List<DnsRecord>();
        var rcode = DnsRcode.NoError;
        for (int hop = 0; hop < MaxChain; hop++)
        {
            var node = zone.Find(fqdn);
            if (node is null) { rcode = DnsRcode.NXDomain; break; }
            if (type != DnsType.CNAME && type != DnsType.ANY && node.Cname is { } cname)
            {
                answers.Add(cname);
                fqdn = cname.Data;
                if (!zone.IsAuthoritative(fqdn)) break;
                continue;
            }
            foreach (var r in node.Get(type)) answers.Add(r);
            break;
        }
        return new DnsAnswer(rcode, answers, Additional(zone, answers));
    }

    // The addresses SRV targets point to, as CoreDNS puts them in the additional section.
    private static List<DnsRecord> Additional(DnsZone zone, List<DnsRecord> answers)
    {
        var extra = new List<DnsRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in answers)
        {
            if (r.Type != DnsType.SRV) continue;
            string target = r.Data[(r.Data.LastIndexOf(' ') + 1)..];
            if (!seen.Add(target) || zone.Find(target) is not { } node) continue;
            foreach (var a in node.Get(DnsType.A)) extra.Add(a);
            foreach (var a in node.Get(DnsType.AAAA)) extra.Add(a);
        }
        return extra;
    }

    /// <summary>Resolves <paramref name="name"/> from <paramref name="from"/> using the pod's resolv.conf.</summary>
    public static DnsLookup Lookup(DnsZone zone, Pod from, string name, DnsType type) =>
        Lookup(zone, ResolvConf.For(from, zone.Domain, zone.ServerAddress), name, type);

    /// <summary>
    /// glibc's res_nsearch: a trailing dot means absolute (asked once); with fewer dots than
    /// ndots the search domains come first and the name as given last; otherwise the reverse.
    /// The first answer with data ends the search; NXDOMAIN and NODATA move on to the next name.
    /// </summary>
    public static DnsLookup Lookup(DnsZone zone, ResolvConf conf, string name, DnsType type)
    {
        var steps = new List<DnsLookupStep>();
        foreach (var candidate in Candidates(conf, name.Trim()))
        {
            var answer = Query(zone, candidate, type);
            steps.Add(new DnsLookupStep(candidate, answer));
            if (answer.HasData) return new DnsLookup(conf, steps, answer, candidate);
        }
        DnsLookupStep? nodata = null;
        foreach (var s in steps) if (s.Answer.Rcode == DnsRcode.NoError) { nodata = s; break; }
        var final = nodata ?? (steps.Count > 0 ? steps[^1] : null);
        return new DnsLookup(conf, steps, final?.Answer ?? new DnsAnswer(DnsRcode.FormErr, [], []), null);
    }

    /// <summary>The names a stub resolver asks for, in order (canonical FQDNs).</summary>
    public static IReadOnlyList<string> Candidates(ResolvConf conf, string name)
    {
        if (name.Length == 0) return [];
        if (name.EndsWith('.')) return [DnsNames.Canonical(name)];
        int dots = 0;
        foreach (char c in name) if (c == '.') dots++;
        var list = new List<string>();
        bool asIsFirst = dots >= conf.Ndots;
        if (asIsFirst) list.Add(DnsNames.Canonical(name));
        foreach (var s in conf.Searches)
        {
            var fqdn = DnsNames.Canonical(name + "." + s.TrimEnd('.'));
            if (!list.Contains(fqdn)) list.Add(fqdn);
        }
        var plain = DnsNames.Canonical(name);
        if (!asIsFirst && !list.Contains(plain)) list.Add(plain);
        return list;
    }
}
