using System.Collections.Frozen;
using Podwire.Controllers.Dns;
using Podwire.Model;
using Podwire.Semantics.Dns;

namespace Podwire.Dns;

/// <summary>
/// One immutable generation of the server's data: every answer the zone can give, encoded ahead
/// of time as a complete response message per (name, query type). The server swaps whole
/// snapshots atomically when the cluster changes, so the hot path reads one reference and
/// never locks.
/// </summary>
/// <remarks>
/// The answers are exactly <see cref="DnsResolver.Query"/>'s (that is what the equivalence test
/// checks), plus what the wire needs and the analyzer does not: the SOA that negative answers
/// carry for negative caching (RFC 2308). Keys are the lowercase wire name, one char per byte,
/// including the terminating zero, so a query's name is looked up without decoding it.
/// </remarks>
public sealed class DnsSnapshot
{
    internal const int SlotCount = 8;
    private const int SlotAny = 6, SlotOther = 7;
    internal const ushort FlagsQrAa = 0x8400;

    private readonly FrozenDictionary<string, byte[][]> _answers;
    internal readonly FrozenDictionary<string, byte[][]>.AlternateLookup<ReadOnlySpan<char>> Lookup;
    /// <summary>Wire keys of the origins: the cluster domain, in-addr.arpa., ip6.arpa.</summary>
    internal readonly string[] Origins;
    /// <summary>Per origin: an SOA record whose owner is a pointer to patch (see <see cref="DnsWireWriter.Soa"/>).</summary>
    internal readonly byte[][] SoaTails;
    /// <summary>Wire key of <c>pod.&lt;zone&gt;</c>, set when <c>pods insecure</c> names must be synthesized.</summary>
    internal readonly string? PodTree;
    internal readonly int ZoneLabels;

    private DnsSnapshot(DnsZone zone, FrozenDictionary<string, byte[][]> answers, string[] origins, byte[][] soaTails, string? podTree, int zoneLabels)
    {
        Zone = zone;
        _answers = answers;
        Lookup = answers.GetAlternateLookup<ReadOnlySpan<char>>();
        Origins = origins;
        SoaTails = soaTails;
        PodTree = podTree;
        ZoneLabels = zoneLabels;
    }

    /// <summary>The zone this snapshot was encoded from (the slow path and tests read it).</summary>
    public DnsZone Zone { get; }
    /// <summary>Names with pre-encoded answers.</summary>
    public int NameCount => _answers.Count;

    internal static int Slot(ushort type) => type switch
    {
        (ushort)DnsType.A => 0,
        (ushort)DnsType.AAAA => 1,
        (ushort)DnsType.CNAME => 2,
        (ushort)DnsType.PTR => 3,
        (ushort)DnsType.TXT => 4,
        (ushort)DnsType.SRV => 5,
        (ushort)DnsType.ANY => SlotAny,
        _ => SlotOther,
    };

    private static readonly DnsType[] SlotTypes =
        [DnsType.A, DnsType.AAAA, DnsType.CNAME, DnsType.PTR, DnsType.TXT, DnsType.SRV, DnsType.ANY, DnsType.MX];

    public static DnsSnapshot Build(DnsZone zone)
    {
        var dict = new Dictionary<string, byte[][]>(zone.Nodes.Count, StringComparer.Ordinal);
        foreach (var (name, node) in zone.Nodes)
        {
            var key = WireKey(name);
            if (key is null) continue; // not encodable (over-long label): answered as NXDOMAIN
            dict[key] = EncodeNode(zone, name, node);
        }

        string[] originNames = [zone.Domain, DnsNames.ReverseV4, DnsNames.ReverseV6];
        var origins = new string[3];
        var tails = new byte[3][];
        for (int i = 0; i < 3; i++)
        {
            origins[i] = WireKey(originNames[i])!;
            var w = new DnsWireWriter(64);
            w.Soa(originNames[i], zone.Domain, zone.Ttl, ownerPointer: true);
            tails[i] = w.ToArray();
        }
        string? podTree = zone.PodRecords == PodRecordsMode.Insecure ? WireKey("pod." + zone.Domain) : null;
        int zoneLabels = 0;
        foreach (char c in zone.Domain) if (c == '.') zoneLabels++;
        return new DnsSnapshot(zone, dict.ToFrozenDictionary(StringComparer.Ordinal), origins, tails, podTree, zoneLabels);
    }

    /// <summary>The snapshot key of a canonical name: its wire form, one char per byte.</summary>
    internal static string? WireKey(string fqdn)
    {
        var wire = DnsWireWriter.WireName(fqdn);
        if (wire is null) return null;
        return string.Create(wire.Length, wire, static (span, w) => { for (int i = 0; i < w.Length; i++) span[i] = (char)w[i]; });
    }

    private static byte[][] EncodeNode(DnsZone zone, string name, DnsNode node)
    {
        var slots = new byte[SlotCount][];
        byte[]? nodata = null;
        bool alias = node.Cname is not null;
        for (int s = 0; s < SlotCount; s++)
        {
            var type = SlotTypes[s];
            // Without an alias, a type the node lacks is the same empty NOERROR whatever was asked:
            // share one encoding (the question is copied from the query anyway).
            if (!alias && (s == SlotOther || (s != SlotAny && node.Get(type).IsEmpty) || (s == SlotAny && node.IsEmptyNonTerminal)))
            {
                slots[s] = nodata ??= Encode(zone, name, type, DnsResolver.Query(zone, name, type));
                continue;
            }
            slots[s] = Encode(zone, name, type, DnsResolver.Query(zone, name, type));
        }
        return slots;
    }

    /// <summary>A complete response (id 0, question in lowercase) for one resolver answer.</summary>
    internal static byte[] Encode(DnsZone zone, string qname, DnsType qtype, DnsAnswer answer)
    {
        var w = new DnsWireWriter(128);
        w.Header((ushort)(FlagsQrAa | (int)answer.Rcode));
        w.Question(qname, (ushort)qtype);
        w.SetCount(0, 1);
        int an = 0, ar = 0;
        foreach (var r in answer.Answers) if (w.Record(r)) an++;
        w.SetCount(1, an);
        if (answer.Rcode == DnsRcode.NXDomain || answer.Answers.Count == 0)
        {
            w.Soa(OriginOf(zone, qname), zone.Domain, zone.Ttl);
            w.SetCount(2, 1);
        }
        foreach (var r in answer.Additional) if (w.Record(r)) ar++;
        w.SetCount(3, ar);
        return w.ToArray();
    }

    private static string OriginOf(DnsZone zone, string fqdn) =>
        DnsNames.IsAtOrBelow(fqdn, DnsNames.ReverseV4) ? DnsNames.ReverseV4
        : DnsNames.IsAtOrBelow(fqdn, DnsNames.ReverseV6) ? DnsNames.ReverseV6 : zone.Domain;
}
