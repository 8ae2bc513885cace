using System.Net;
using System.Net.Sockets;

namespace Podwire.Model.Net;

/// <summary>An IP prefix (network address + length), v4 or v6, with the arithmetic allocators need.</summary>
public readonly record struct Cidr(IPAddress Network, int PrefixLength)
{
    public bool IsIPv4 => Network.AddressFamily == AddressFamily.InterNetwork;
    public int Bits => IsIPv4 ? 32 : 128;
    public int HostBits => Bits - PrefixLength;

    /// <summary>Number of addresses in the prefix, saturating at <see cref="UInt128.MaxValue"/>.</summary>
    public UInt128 Size => HostBits >= 128 ? UInt128.MaxValue : (UInt128)1 << HostBits;

    public override string ToString() => $"{Network}/{PrefixLength}";

    public static bool TryParse(string? text, out Cidr cidr, bool requireCanonical = false)
    {
        cidr = default;
        if (string.IsNullOrEmpty(text)) return false;
        int slash = text.IndexOf('/');
        if (slash <= 0 || slash == text.Length - 1) return false;
        if (!IPAddress.TryParse(text.AsSpan(0, slash), out var ip)) return false;
        if (ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        if (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out int len)) return false;
        int bits = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (len < 0 || len > bits) return false;
        var masked = IpMath.Mask(ip, len);
        if (requireCanonical && !masked.Equals(ip)) return false;
        cidr = new Cidr(masked, len);
        return true;
    }

    public static Cidr Parse(string text) =>
        TryParse(text, out var c) ? c : throw new FormatException($"invalid CIDR \"{text}\"");

    public bool Contains(IPAddress ip)
    {
        if (ip.AddressFamily != Network.AddressFamily) return false;
        return IpMath.Mask(ip, PrefixLength).Equals(Network);
    }

    /// <summary>True when <paramref name="other"/> lies entirely inside this prefix.</summary>
    public bool Contains(Cidr other) => other.PrefixLength >= PrefixLength && Contains(other.Network);

    public bool Overlaps(Cidr other) => Contains(other.Network) || other.Contains(Network);

    /// <summary>The address at <paramref name="offset"/> from the network address.</summary>
    public IPAddress AddressAt(UInt128 offset) => IpMath.FromValue(IpMath.ToValue(Network) + offset, IsIPv4);

    /// <summary>Offset of <paramref name="ip"/> from the network address (caller checks containment).</summary>
    public UInt128 OffsetOf(IPAddress ip) => IpMath.ToValue(ip) - IpMath.ToValue(Network);

    /// <summary>The <paramref name="index"/>-th subnet of length <paramref name="newPrefix"/>.</summary>
    public Cidr Subnet(int newPrefix, UInt128 index) =>
        new(IpMath.FromValue(IpMath.ToValue(Network) + (index << (Bits - newPrefix)), IsIPv4), newPrefix);
}

public static class IpMath
{
    public static UInt128 ToValue(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out int n);
        UInt128 v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | b[i];
        return v;
    }

    public static IPAddress FromValue(UInt128 v, bool ipv4)
    {
        int n = ipv4 ? 4 : 16;
        Span<byte> b = stackalloc byte[n];
        for (int i = n - 1; i >= 0; i--) { b[i] = (byte)(v & 0xFF); v >>= 8; }
        return new IPAddress(b);
    }

    public static IPAddress Mask(IPAddress ip, int prefix)
    {
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out int n);
        for (int i = 0; i < n; i++)
        {
            int keep = Math.Clamp(prefix - i * 8, 0, 8);
            b[i] &= (byte)(0xFF00 >> keep);
        }
        return new IPAddress(b[..n]);
    }

    /// <summary>Strict parse: dotted quad or RFC 4291 text, nothing else (no "10.1" shorthand).</summary>
    public static bool TryParseStrict(string? text, out IPAddress ip)
    {
        ip = IPAddress.None;
        if (string.IsNullOrEmpty(text)) return false;
        if (!IPAddress.TryParse(text, out var parsed)) return false;
        if (parsed.AddressFamily == AddressFamily.InterNetwork)
        {
            // IPAddress.TryParse accepts "10.1" and "0x0a.1"; the API server does not.
            if (text.Count(c => c == '.') != 3 || parsed.ToString() != text) return false;
        }
        else if (parsed.AddressFamily != AddressFamily.InterNetworkV6 || text.Contains('%')) return false;
        ip = parsed;
        return true;
    }

    /// <summary>Orders addresses numerically, v4 before v6.</summary>
    public static int Compare(IPAddress a, IPAddress b)
    {
        int fam = a.AddressFamily.CompareTo(b.AddressFamily);
        return fam != 0 ? fam : ToValue(a).CompareTo(ToValue(b));
    }
}
