using System.Security.Cryptography;
using System.Text;

namespace Podwire.Lab.Topology;

/// <summary>
/// The one place that names kernel objects. Everything a lab creates starts with
/// <c>pw-&lt;cluster&gt;-</c> so <c>down</c> (and a crashed lab's cleanup) can find it all;
/// interface names are at most 15 characters, so they come from a short hash.
/// </summary>
public sealed class LabNames(string cluster)
{
    public string Cluster { get; } = cluster;
    public string Prefix => $"pw-{Cluster}-";

    public string UnderlayNetns => Prefix + "underlay";
    public const string UnderlayBridge = "br0";
    public const string NodeUplink = "eth0";
    public const string PodBridge = "cni0";
    public const string VxlanDevice = "flannel.1";
    public const string PodInterface = "eth0";

    public string NodeNetns(string node) => Prefix + "node-" + node;

    /// <summary>Pod namespaces are readable (<c>pw-lab-pod-shop.web-1</c>) unless that would be too long.</summary>
    public string PodNetns(string ns, string pod)
    {
        var name = $"{Prefix}pod-{ns}.{pod}";
        return name.Length <= 120 ? name : $"{Prefix}pod-{Hash(ns + "/" + pod, 12)}";
    }

    /// <summary>The underlay-side end of a node's uplink, inside the underlay namespace.</summary>
    public string UnderlayPort(string node) => "u" + Hash(Cluster + "/" + node, 10);

    /// <summary>The container ID the lab's runtime uses for a pod (stable, CNI-valid).</summary>
    public string ContainerId(string ns, string pod) => Hash(Cluster + "/" + ns + "/" + pod, 32);

    public static bool IsValidCluster(string name) =>
        name.Length is >= 1 and <= 12 && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9') && char.IsAsciiLetterLower(name[0]);

    public static string Hash(string text, int hexChars)
    {
        Span<byte> h = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), h);
        return Convert.ToHexStringLower(h)[..hexChars];
    }

    /// <summary>A locally administered unicast MAC derived from a name (flannel picks a random one; ours is stable).</summary>
    public static string Mac(string seed)
    {
        Span<byte> h = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(seed), h);
        h[0] = (byte)((h[0] | 0x02) & 0xFE);
        return string.Join(":", h[..6].ToArray().Select(b => b.ToString("x2")));
    }
}
