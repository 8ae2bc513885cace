using System.Numerics;

namespace Podwire.Policy.Engine;

/// <summary>Bitset helpers over ulong[] words; callers own the arrays.</summary>
internal static class Bits
{
    public static int Words(int bits) => (bits + 63) >> 6;

    public static bool Get(ulong[] b, int i) => (b[i >> 6] & (1UL << (i & 63))) != 0;

    public static ulong[] Ones(int bits)
    {
        var b = new ulong[Words(bits)];
        SetRange(b, 0, bits);
        return b;
    }

    /// <summary>Sets bits [start, end).</summary>
    public static void SetRange(ulong[] b, int start, int end)
    {
        if (start >= end) return;
        int ws = start >> 6, we = (end - 1) >> 6;
        ulong first = ~0UL << (start & 63);
        ulong last = ~0UL >> (63 - ((end - 1) & 63));
        if (ws == we) { b[ws] |= first & last; return; }
        b[ws] |= first;
        for (int w = ws + 1; w < we; w++) b[w] = ~0UL;
        b[we] |= last;
    }

    /// <summary>Number of set bits in [start, end).</summary>
    public static int CountRange(ulong[] b, int start, int end)
    {
        if (start >= end) return 0;
        int ws = start >> 6, we = (end - 1) >> 6;
        ulong first = ~0UL << (start & 63);
        ulong last = ~0UL >> (63 - ((end - 1) & 63));
        if (ws == we) return BitOperations.PopCount(b[ws] & first & last);
        int n = BitOperations.PopCount(b[ws] & first);
        for (int w = ws + 1; w < we; w++) n += BitOperations.PopCount(b[w]);
        return n + BitOperations.PopCount(b[we] & last);
    }

    public static void Or(ulong[] into, ulong[] x) { for (int i = 0; i < into.Length; i++) into[i] |= x[i]; }
    public static void And(ulong[] into, ulong[] x) { for (int i = 0; i < into.Length; i++) into[i] &= x[i]; }
    public static void AndNot(ulong[] into, ulong[] x) { for (int i = 0; i < into.Length; i++) into[i] &= ~x[i]; }
    public static void OrAnd(ulong[] into, ulong[] x, ulong[] y) { for (int i = 0; i < into.Length; i++) into[i] |= x[i] & y[i]; }

    public static bool IsZero(ulong[] b)
    {
        foreach (var w in b) if (w != 0) return false;
        return true;
    }
}
