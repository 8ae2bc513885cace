using System.Net;
using Podwire.Model;
using Podwire.Model.Net;

namespace Podwire.Controllers;

/// <summary>
/// ClusterIP allocation as the API server does it (KEP-3070 bands). Why: every proxy rule and
/// DNS answer keys off the ClusterIP. Requested addresses are honoured first; the well-known
/// Services get .1 and .10; everyone else starts at a hash of "namespace/name" inside the
/// dynamic (upper) band and probes linearly, so adding an unrelated Service cannot move an
/// existing one unless it lands on that one's address first (a hash collision).
/// </summary>
public static class ServiceIpAllocator
{
    public const string IPv4 = "IPv4";
    public const string IPv6 = "IPv6";

    /// <summary>The allocatable offsets of a service range: .1 up to the last host, static band per KEP-3070.</summary>
    public static BandedRange RangeFor(Cidr cidr)
    {
        UInt128 size = cidr.Size;
        // Offsets 1..bandOffset are static: a /24 gives .1-.16, /20 and larger give 256.
        UInt128 bandOffset = size < 16 ? 0 : Clamp(size / 16, 16, 256);
        return new BandedRange(1, bandOffset, NodeController.LastUsableOffset(cidr));
    }

    private static UInt128 Clamp(UInt128 v, UInt128 lo, UInt128 hi) => v < lo ? lo : v > hi ? hi : v;

    private sealed class Slot(Service service, string[] families)
    {
        public Service Service { get; } = service;
        public string[] Families { get; } = families;
        public string?[] Ips { get; } = new string?[families.Length];
    }

    /// <summary>Fills ClusterIP/ClusterIPs/IpFamilies; <paramref name="services"/> must be sorted (namespace, name).</summary>
    public static Service[] Assign(IReadOnlyList<Service> services, ClusterOptions options)
    {
        var ranges = new Dictionary<string, (Cidr Cidr, BandedRange Range)>(StringComparer.Ordinal);
        foreach (var family in new[] { IPv4, IPv6 })
            if (CidrFor(family, options) is { } c) ranges[family] = (c, RangeFor(c));
        string defaultFamily = options.ServiceCidr.IsIPv4 ? IPv4 : IPv6;

        var result = new Service[services.Count];
        var slots = new List<(int Index, Slot Slot)>();
        for (int i = 0; i < services.Count; i++)
        {
            var s = services[i];
            if (s.Type == ServiceType.ExternalName) { result[i] = s with { ClusterIP = null, ClusterIPs = [] }; continue; }
            if (s.IsHeadless || (s.ClusterIPs.Count > 0 && s.ClusterIPs[0] == Service.None))
            {
                result[i] = s with
                {
                    ClusterIP = Service.None,
                    ClusterIPs = [Service.None],
                    IpFamilies = s.IpFamilies.Count > 0 ? s.IpFamilies : [defaultFamily],
                };
                continue;
            }
            slots.Add((i, new Slot(s, Families(s, ranges, defaultFamily))));
        }

        // 1. Requested addresses: honoured; inside the range they are reserved so nothing else gets them.
        var pending = new List<(Slot Slot, int FamilyIndex)>();
        foreach (var (_, slot) in slots)
        {
            var requested = Requested(slot.Service);
            for (int f = 0; f < slot.Families.Length; f++)
            {
                string? ip = FindFamily(requested, slot.Families[f]);
                if (ip is not null && Reserve(ip, ranges[slot.Families[f]])) slot.Ips[f] = ip;
                else pending.Add((slot, f));
            }
        }

        // 2. The well-known Services take their conventional offsets if still free; 3. everyone else hashes.
        var dynamic = new List<(Slot Slot, int FamilyIndex)>();
        foreach (var (slot, f) in pending)
        {
            var (cidr, range) = ranges[slot.Families[f]];
            if (f == 0 && BuiltinServices.PreferredOffset(slot.Service) is int off && range.TryReserve((UInt128)off))
                slot.Ips[f] = cidr.AddressAt((UInt128)off).ToString();
            else dynamic.Add((slot, f));
        }
        foreach (var (slot, f) in dynamic)
        {
            var (cidr, range) = ranges[slot.Families[f]];
            if (range.TryAllocate(StableHash.Fnv1a(slot.Service.Key), out var offset))
                slot.Ips[f] = cidr.AddressAt(offset).ToString();
        }

        foreach (var (index, slot) in slots)
        {
            var ips = new List<string>(slot.Ips.Length);
            var families = new List<string>(slot.Ips.Length);
            for (int f = 0; f < slot.Ips.Length; f++)
            {
                // A failed primary family means no ClusterIP at all (the API server would refuse the Service).
                if (slot.Ips[f] is null) { if (f == 0) break; continue; }
                ips.Add(slot.Ips[f]!);
                families.Add(slot.Families[f]);
            }
            result[index] = slot.Service with
            {
                ClusterIP = ips.Count > 0 ? ips[0] : null,
                ClusterIPs = ips,
                IpFamilies = families.Count > 0 ? families : slot.Families,
            };
        }
        return result;
    }

    /// <summary>The ClusterIPs a Service states (spec.clusterIPs, else spec.clusterIP).</summary>
    internal static IReadOnlyList<string> Requested(Service s) =>
        s.ClusterIPs.Count > 0 ? s.ClusterIPs : s.ClusterIP is { } ip ? [ip] : [];

    private static bool Reserve(string ip, (Cidr Cidr, BandedRange Range) r)
    {
        if (!IPAddress.TryParse(ip, out var addr)) return false;
        // Outside the range (validation let it through): honour it as given; there is nothing to reserve.
        if (!r.Cidr.Contains(addr)) return true;
        return r.Range.TryReserve(r.Cidr.OffsetOf(addr));
    }

    private static string? FindFamily(IReadOnlyList<string> ips, string family)
    {
        foreach (var ip in ips)
            if (FamilyOf(ip) == family) return ip;
        return null;
    }

    public static string? FamilyOf(string ip) =>
        !IPAddress.TryParse(ip, out var a) ? null
        : a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPv6 : IPv4;

    // ipFamilies as given (only families this cluster has a range for), else those of the requested IPs, else the default.
    private static string[] Families(Service s, Dictionary<string, (Cidr, BandedRange)> ranges, string defaultFamily)
    {
        var list = new List<string>(2);
        var source = s.IpFamilies.Count > 0 ? s.IpFamilies : Requested(s);
        foreach (var item in source)
        {
            string? fam = s.IpFamilies.Count > 0 ? item : FamilyOf(item);
            if (fam is not null && ranges.ContainsKey(fam) && !list.Contains(fam)) list.Add(fam);
            if (list.Count == 2) break;
        }
        if (list.Count == 0) list.Add(defaultFamily);
        return [.. list];
    }

    private static Cidr? CidrFor(string family, ClusterOptions o)
    {
        bool wantV4 = family == IPv4;
        if (o.ServiceCidr.IsIPv4 == wantV4) return o.ServiceCidr;
        if (o.ServiceCidrV6 is { } second && second.IsIPv4 == wantV4) return second;
        return null;
    }
}
