using Podwire.Model.Net;

namespace Podwire.Model;

/// <summary>
/// The cluster-wide settings a control plane is started with (kube-apiserver and
/// kube-controller-manager flags, kubelet's clusterDNS). Defaults follow kubeadm.
/// </summary>
public sealed record ClusterOptions
{
    public Cidr ClusterCidr { get; init; } = Cidr.Parse("10.244.0.0/16");
    public int NodeCidrMaskSize { get; init; } = 24;
    public Cidr ServiceCidr { get; init; } = Cidr.Parse("10.96.0.0/12");
    public Cidr? ServiceCidrV6 { get; init; }
    public int NodePortMin { get; init; } = 30000;
    public int NodePortMax { get; init; } = 32767;
    /// <summary>Addresses handed to LoadBalancer Services (as MetalLB would), default inside the lab's underlay.</summary>
    public Cidr LoadBalancerPool { get; init; } = Cidr.Parse("172.18.255.0/24");
    public string ClusterDomain { get; init; } = "cluster.local";
    /// <summary>Generated node count when manifests define no Node objects.</summary>
    public int GeneratedNodes { get; init; } = 2;
    /// <summary>
    /// True when the user chose the node count (--nodes). Otherwise, when pods carry addresses
    /// (status.podIP) in more node subnets than <see cref="GeneratedNodes"/>, one node is
    /// generated per subnet so every pod can sit where its address is routed.
    /// </summary>
    public bool GeneratedNodesFixed { get; init; }
    /// <summary>Underlay network the nodes' InternalIPs come from.</summary>
    public Cidr NodeNetwork { get; init; } = Cidr.Parse("172.18.0.0/24");
    public int MaxEndpointsPerSlice { get; init; } = 100;
    public int DnsTtl { get; init; } = 30;
    /// <summary>CoreDNS `pods insecure|verified|disabled`.</summary>
    public PodRecordsMode PodRecords { get; init; } = PodRecordsMode.Insecure;
    /// <summary>
    /// How pod addresses are handed out, as the chosen pod-network backend does it (see
    /// Controllers/Ipam). Part of the options so every derivation, analysis and lab alike, gives
    /// pods the addresses that backend gives them.
    /// </summary>
    public PodIpamScheme PodIpam { get; init; } = PodIpamScheme.NodeSubnets;

    /// <summary>The kube-dns Service address: the 10th address of the service range, by convention.</summary>
    public string DnsServiceIP => ServiceCidr.AddressAt(10).ToString();
    /// <summary>The default/kubernetes Service address: the first address of the range.</summary>
    public string ApiServiceIP => ServiceCidr.AddressAt(1).ToString();
}

public enum PodRecordsMode { Insecure, Verified, Disabled }

/// <summary>
/// Pod IPAM schemes. NodeSubnets: every node owns a podCIDR (kube-controller-manager's range
/// allocator) and hands out its addresses (host-local), as Flannel does. The next backends add
/// theirs here: Calico's affinity blocks, Weave's ring, Cilium's cluster pool.
/// </summary>
public enum PodIpamScheme { NodeSubnets }
