namespace Podwire.Proxy;

/// <summary>An externalTrafficPolicy: Local Service's health-check NodePort as served on one node.</summary>
public sealed record HealthCheck(int Port, string Namespace, string Name, int LocalEndpoints);

/// <summary>
/// Everything the proxy programs on one node, as nftables element text (keys and values exactly as
/// nft reads them). Immutable; the incremental sync diffs two of these. Dictionaries are ordinal so
/// rendering sorted is deterministic.
/// </summary>
public sealed record ProxyState(
    string ClusterCidr,
    IReadOnlyDictionary<string, string> Internal,
    IReadOnlyDictionary<string, string> External,
    IReadOnlyDictionary<string, string> Backends,
    IReadOnlyDictionary<string, string> Slots,
    IReadOnlySet<string> NoEndpoints,
    IReadOnlySet<string> Hairpin,
    IReadOnlyDictionary<string, LbChain> Chains,
    IReadOnlyList<HealthCheck> HealthChecks)
{
    /// <summary>LoadBalancer frontends with loadBalancerSourceRanges → <c>jump fw-…</c>, consulted before DNAT.</summary>
    public IReadOnlyDictionary<string, string> Firewall { get; init; } = NoFirewall;

    private static readonly LayeredMap NoFirewall = new(new Dictionary<string, string>(StringComparer.Ordinal));

    public int ElementCount => Internal.Count + External.Count + Backends.Count + Slots.Count + NoEndpoints.Count + Hairpin.Count + Firewall.Count;
}
