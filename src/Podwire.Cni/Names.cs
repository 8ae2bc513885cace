using System.Security.Cryptography;
using System.Text;

namespace Podwire.Cni;

/// <summary>
/// The one place that names the kernel objects the plugin creates. Names derive from a hash of
/// (containerID, ifname) so DEL can find them again with no state of its own.
/// </summary>
public static class Names
{
    /// <summary>Host-side veth: "veth" + 11 hex digits = 15 characters, the kernel's limit.</summary>
    public static string HostVeth(string containerId, string ifName) => "veth" + Hex(Hash(containerId, ifName), 11);

    /// <summary>A locally administered unicast MAC derived from the hash (stable across retries).</summary>
    public static string HostMac(string containerId, string ifName) => Mac(Hash(containerId, ifName), 8);

    public static string ContainerMac(string containerId, string ifName) => Mac(Hash(containerId, ifName), 16);

    /// <summary>
    /// A fixed bridge MAC: a bridge without one takes its lowest port MAC, which changes as pods
    /// come and go and leaves stale gateway entries in the pods' ARP caches.
    /// </summary>
    public static string BridgeMac(string bridge, string gateway) => Mac(SHA256.HashData(Encoding.UTF8.GetBytes("bridge/" + bridge + "/" + gateway)), 0);

    public static bool IsValidIdentifier(string s)
    {
        if (s.Length == 0 || !char.IsAsciiLetterOrDigit(s[0])) return false;
        foreach (var c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')) return false;
        return true;
    }

    public static bool IsValidIfName(string s)
    {
        if (s.Length is 0 or > 15 || s is "." or "..") return false;
        foreach (var c in s)
            if (c is '/' or ':' || char.IsWhiteSpace(c)) return false;
        return true;
    }

    private static byte[] Hash(string containerId, string ifName) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(containerId + "/" + ifName));

    private static string Hex(byte[] h, int digits) => Convert.ToHexStringLower(h)[..digits];

    private static string Mac(byte[] h, int offset)
    {
        var b = h.AsSpan(offset, 6).ToArray();
        b[0] = (byte)((b[0] & 0xFE) | 0x02);
        return string.Join(':', b.Select(x => x.ToString("x2")));
    }
}
