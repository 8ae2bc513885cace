using Podwire.Model;

namespace Podwire.Proxy;

/// <summary>Which map or set a claim on a frontend key is about.</summary>
internal enum ClaimTarget : byte { NoEndpoints, Internal, External, Firewall }

/// <summary>
/// One Service's wish for one frontend key (<c>address . protocol . port</c>): reject it (no
/// endpoints), or a verdict in the internal/external map with the endpoint list behind it, written
/// to <c>backends</c> at <c>key . offset+i</c>, or with ClientIP affinity at <c>key . slot</c>
/// with <c>slots</c> mapping <c>key . offset+i</c> to that slot (<see cref="ProxyLayout"/>).
/// <see cref="Verdict"/> is "drop" or "goto chain".
/// </summary>
internal sealed record FrontendClaim(ClaimTarget Target, string Key, string Verdict, LbChain? Chain, int Offset, string[] Backends, int[]? Slots = null)
{
    /// <summary>
    /// Writes this claim's endpoints (later writes over earlier ones, as the merge rule says);
    /// <paramref name="slots"/> is created on the first affinity claim.
    /// </summary>
    public void WriteTo(Dictionary<string, string> backends, ref Dictionary<string, string>? slots)
    {
        for (int i = 0; i < Backends.Length; i++)
        {
            if (Slots is null) { backends[ProxyCompiler.BackendKey(Key, Offset + i)] = Backends[i]; continue; }
            backends[ProxyCompiler.BackendKey(Key, Slots[i])] = Backends[i];
            slots ??= new Dictionary<string, string>(StringComparer.Ordinal);
            slots[ProxyCompiler.BackendKey(Key, Offset + i)] = Slots[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

/// <summary>
/// Everything one Service contributes on one node, as a pure function of the Service, its
/// EndpointSlices and the node: the claims in the order the compiler makes them, and its
/// health-check NodePort. The inputs are kept so a later cluster can be compared with them.
/// </summary>
internal sealed record ServiceFragment(Service Service, IReadOnlyList<EndpointSlice> Slices, FrontendClaim[] Claims, HealthCheck? Health)
{
    public static int Order(ServiceFragment a, ServiceFragment b)
    {
        int c = string.CompareOrdinal(a.Service.Namespace, b.Service.Namespace);
        return c != 0 ? c : string.CompareOrdinal(a.Service.Name, b.Service.Name);
    }
}

/// <summary>What the claims on one frontend key come to, once every Service's claims are merged.</summary>
internal readonly struct FrontendResult
{
    public readonly FrontendClaim? Internal;
    public readonly FrontendClaim? External;
    public readonly FrontendClaim? Firewall;
    public readonly bool NoEndpoints;
    public readonly Dictionary<string, string>? Backends;
    public readonly Dictionary<string, string>? Slots;

    private FrontendResult(FrontendClaim? i, FrontendClaim? e, FrontendClaim? f, bool n, Dictionary<string, string>? b, Dictionary<string, string>? s)
    {
        Internal = i; External = e; Firewall = f; NoEndpoints = n; Backends = b; Slots = s;
    }

    /// <summary>
    /// The compiler's merge rule for one key, claims in Service order then claim order: any
    /// no-endpoints claim rejects; the first claim per map wins its verdict; winning claims write
    /// their endpoints, later writes over earlier ones.
    /// </summary>
    public static FrontendResult Merge(string key, IReadOnlyList<ServiceFragment> claimants)
    {
        FrontendClaim? inter = null, exter = null, fw = null;
        bool none = false;
        Dictionary<string, string>? backends = null, slots = null;
        foreach (var f in claimants)
            foreach (var c in f.Claims)
            {
                if (c.Key != key) continue;
                if (c.Target == ClaimTarget.NoEndpoints) { none = true; continue; }
                if (c.Target == ClaimTarget.Firewall) { fw ??= c; continue; }
                if (c.Target == ClaimTarget.Internal) { if (inter is not null) continue; inter = c; }
                else { if (exter is not null) continue; exter = c; }
                if (c.Backends.Length == 0) continue;
                backends ??= new Dictionary<string, string>(StringComparer.Ordinal);
                c.WriteTo(backends, ref slots);
            }
        return new FrontendResult(inter, exter, fw, none, backends, slots);
    }
}
