namespace Podwire.Proxy;

/// <summary>
/// The one place naming the proxy's nftables objects, and the constants the rules share.
/// <para>
/// Design note — layout (Cilium-like elements, kube-proxy semantics). Services and endpoints are
/// map ELEMENTS, never chains: with Debian's nft 1.0.6 a chain per Service and per endpoint takes
/// minutes to load at 10,000 Services, elements take seconds and update in milliseconds.
/// <list type="bullet">
/// <item><c>internal</c>/<c>external</c>: verdict maps <c>address . protocol . port → goto lb…</c>;
/// internal is consulted for traffic from pods (cluster CIDR) and from the node itself, external
/// for everything else (other nodes, the underlay), so externalTrafficPolicy can differ.</item>
/// <item>a chain per endpoint COUNT (<c>lb-N</c>), not per Service, draws <c>numgen random mod N</c>
/// into <c>meta mark</c>; variants: <c>m</c> marks the connection for masquerade (ct mark bit),
/// <c>x</c> selects the external (node-local) endpoint list by a bucket offset, <c>-aT</c> adds
/// ClientIP affinity with timeout T seconds (see below).</item>
/// <item><c>backends</c>: <c>address . protocol . port . bucket → endpoint address . port</c>, read
/// by one shared <c>dnat</c> rule.</item>
/// <item>ClientIP affinity: a Service with it keys its <c>backends</c> by a SLOT per endpoint
/// (<see cref="SlotBase"/> | offset | a 15-bit hash of the endpoint), not by bucket, and
/// <c>slots</c> maps each drawn bucket to its endpoint's slot. The dynamic <c>affinity</c> map
/// remembers client . frontend → slot, and a remembered slot is used only while <c>backends</c>
/// still has it: a client stays on its endpoint as long as that endpoint exists, whatever else
/// changes, and is drawn again once it is gone — kube-proxy's per-endpoint affinity sets, as
/// elements.</item>
/// <item><c>no-endpoints</c>: frontends of Services without any usable endpoint, rejected (TCP reset,
/// ICMP port unreachable) by filter chains at prerouting and output, before routing.</item>
/// <item><c>firewall</c>: LoadBalancer frontends with loadBalancerSourceRanges → <c>jump fw-HASH</c>,
/// a chain per distinct set of allowed sources that drops every other source, consulted on a
/// connection's first packet before DNAT (kube-proxy's firewall-ips and firewall-check).</item>
/// <item><c>hairpin</c>: <c>pod . pod</c> pairs: a pod reaching itself through a Service is masqueraded
/// so the reply comes back through the node and is un-NATed.</item>
/// </list>
/// </para>
/// <para>
/// Loading: the skeleton (table, maps, chains, rules: a few KiB) goes through nft; the elements
/// (110k at 10,000 Services) go as nf_tables netlink batches written here, flush-and-refill in one
/// transaction — nft 1.0.6 needs 1–2.5 s to parse them as text, the kernel 0.2 s as bytes.
/// </para>
/// </summary>
public static class ProxyLayout
{
    public const string Family = "ip";
    public const string Table = "podwire-proxy";
    public const string InternalMap = "internal";
    public const string ExternalMap = "external";
    public const string BackendsMap = "backends";
    public const string AffinityMap = "affinity";
    public const string SlotsMap = "slots";
    public const string NoEndpointsSet = "no-endpoints";
    public const string HairpinSet = "hairpin";
    public const string FirewallMap = "firewall";
    public const string BackendChain = "backend";
    public const string RejectChain = "reject-service";

    /// <summary>ct mark bit meaning "masquerade this connection" (kube-proxy's KUBE-MARK-MASQ, 0x4000).</summary>
    public const int MasqueradeBit = 0x4000;

    /// <summary>Bucket offset selecting the external (externalTrafficPolicy: Local) endpoint list.</summary>
    public const int ExternalOffset = 0x10000;

    /// <summary>Marks from here on are affinity slots (never buckets): bit 17, plus the external offset, plus 15 hash bits.</summary>
    public const int SlotBase = 0x20000;
    public const int SlotHashMask = 0x7fff;

    /// <summary>Capacity of the ClientIP affinity map (dynamic entries, one per client and frontend).</summary>
    public const int AffinitySize = 1048576;

    public static string TableRef => $"{Family} {Table}";
}
