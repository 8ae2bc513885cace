using System.Numerics;

namespace Podwire.Policy.Ir;

/// <summary>
/// An immutable set of identity ids as a bitset: what a selector peer matches. A datapath
/// turns it into an nftables set of pod addresses or an eBPF map of identity numbers.
/// </summary>
public sealed class IdentitySet
{
    private readonly ulong[] _bits;

    internal IdentitySet(ulong[] bits) => _bits = bits;

    public static readonly IdentitySet Empty = new([]);

    internal ReadOnlySpan<ulong> Bits => _bits;

    public bool Contains(int id)
    {
        int w = id >> 6;
        return (uint)w < (uint)_bits.Length && (_bits[w] & (1UL << (id & 63))) != 0;
    }

    public bool IsEmpty
    {
        get
        {
            foreach (var w in _bits) if (w != 0) return false;
            return true;
        }
    }

    public int Count
    {
        get
        {
            int n = 0;
            foreach (var w in _bits) n += BitOperations.PopCount(w);
            return n;
        }
    }

    /// <summary>The ids in ascending order.</summary>
    public IEnumerable<int> Ids()
    {
        for (int w = 0; w < _bits.Length; w++)
        {
            ulong b = _bits[w];
            while (b != 0)
            {
                int t = BitOperations.TrailingZeroCount(b);
                yield return (w << 6) | t;
                b &= b - 1;
            }
        }
    }

    public IdentitySet Intersect(IdentitySet other)
    {
        var r = new ulong[Math.Min(_bits.Length, other._bits.Length)];
        for (int i = 0; i < r.Length; i++) r[i] = _bits[i] & other._bits[i];
        return new IdentitySet(r);
    }

    public override string ToString() => "{" + string.Join(",", Ids()) + "}";

    /// <summary>Mutable builder; the set is frozen by <see cref="Build"/>.</summary>
    public sealed class Builder(int capacity)
    {
        private readonly ulong[] _bits = new ulong[(capacity + 63) >> 6];
        public void Add(int id) => _bits[id >> 6] |= 1UL << (id & 63);
        public IdentitySet Build() => new((ulong[])_bits.Clone());
    }
}
