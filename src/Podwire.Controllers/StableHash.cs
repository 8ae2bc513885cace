using System.Text;

namespace Podwire.Controllers;

/// <summary>
/// FNV-1a (64-bit) over UTF-8 plus the API server's "safe" alphabet.
/// Why: generated names and allocation start points must be identical on every run, process and
/// machine (string.GetHashCode is randomized per process), and cheap enough for 50k pods.
/// </summary>
public static class StableHash
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    /// <summary>k8s.io/apimachinery rand.SafeEncodeString's alphabet: no vowels (no words), no 0/1/3 (look-alikes).</summary>
    public const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static ulong Fnv1a(string text) => Add(OffsetBasis, text);

    public static ulong Add(ulong hash, string text)
    {
        foreach (char c in text)
        {
            if (c < 0x80) { hash ^= c; hash *= Prime; continue; }
            return AddSlow(hash, text);
        }
        return hash;
    }

    private static ulong AddSlow(ulong hash, string text)
    {
        // Non-ASCII is rare in names; restart over the real UTF-8 bytes so the result stays FNV-1a of UTF-8.
        hash = OffsetBasis;
        foreach (byte b in Encoding.UTF8.GetBytes(text)) { hash ^= b; hash *= Prime; }
        return hash;
    }

    public static ulong Add(ulong hash, char c) { hash ^= c; return hash * Prime; }

    public static ulong Add(ulong hash, long value)
    {
        for (int i = 0; i < 8; i++) { hash ^= (byte)(value >> (8 * i)); hash *= Prime; }
        return hash;
    }

    /// <summary>A finalizer (murmur3 fmix64): FNV's high bits mix poorly for short inputs, and names use all of them.</summary>
    public static ulong Mix(ulong h)
    {
        h ^= h >> 33; h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }

    /// <summary><paramref name="length"/> characters of the safe alphabet drawn from <paramref name="hash"/>.</summary>
    public static string Safe(ulong hash, int length)
    {
        Span<char> chars = stackalloc char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = SafeAlphabet[(int)(hash % (ulong)SafeAlphabet.Length)];
            hash /= (ulong)SafeAlphabet.Length;
            if (hash == 0) hash = Mix((ulong)(i + 1) * Prime);
        }
        return new string(chars);
    }

    /// <summary>
    /// metadata.generateName: the base is cut to 58 characters so base + 5 random characters fit in 63.
    /// </summary>
    public static string GenerateName(string basePrefix, ulong hash) =>
        (basePrefix.Length > 58 ? basePrefix[..58] : basePrefix) + Safe(hash, 5);
}
