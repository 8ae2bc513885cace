using System.Buffers.Binary;
using System.Text;

namespace Podwire.DnsFuzz;

/// <summary>
/// Deterministic (seeded) DNS-ish messages: valid queries from the zone's names, those mutated
/// byte-wise and field-wise, messages assembled from random but plausible parts (names with
/// pointers, counts, records, OPTs), and plain random bytes.
/// </summary>
internal sealed class Generator(int seed, IReadOnlyList<string> names)
{
    private readonly Random _rng = new(seed);
    private readonly List<byte[]> _seeds = [];
    private static readonly ushort[] Types = [1, 28, 5, 12, 16, 33, 255, 15, 6, 2, 0, 41, 250, 251, 252, 65535];
    private static readonly ushort[] Classes = [1, 1, 1, 1, 3, 4, 254, 255, 0, 42];
    private static readonly byte[] Interesting = [0, 1, 0x3F, 0x40, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xFF, 63, 64, 12, 41];

    public byte[] Next()
    {
        if (_seeds.Count < 4096 || _rng.Next(16) == 0)
        {
            var q = ValidQuery();
            if (_seeds.Count < 4096) _seeds.Add(q);
            else _seeds[_rng.Next(_seeds.Count)] = q;
        }
        return _rng.Next(100) switch
        {
            < 10 => ValidQuery(),
            < 65 => Mutate(_seeds[_rng.Next(_seeds.Count)]),
            < 95 => Assembled(),
            _ => RandomBytes(_rng.Next(0, 600)),
        };
    }

    private byte[] ValidQuery()
    {
        var b = new List<byte>(64);
        bool edns = _rng.Next(2) == 0;
        Header(b, (ushort)_rng.Next(65536), (ushort)(_rng.Next(2) == 0 ? 0x0100 : 0), 1, 0, 0, edns ? 1 : 0);
        // One in eight asks for the ~2 KB answer, so truncation is hit at every size limit.
        Name(b, RandomCase(_rng.Next(8) == 0 ? "big.prod.svc.cluster.local." : names[_rng.Next(names.Count)]));
        U16(b, Types[_rng.Next(7)]);
        U16(b, 1);
        if (edns) Opt(b, (ushort)Pick(512, 1232, 4096, 65535, _rng.Next(65536)), 0, []);
        return [.. b];
    }

    private byte[] Mutate(byte[] seed)
    {
        var b = new List<byte>(seed);
        int n = 1 + _rng.Next(6);
        for (int i = 0; i < n; i++)
        {
            switch (_rng.Next(11))
            {
                case 0 when b.Count > 0: b[_rng.Next(b.Count)] ^= (byte)(1 << _rng.Next(8)); break;
                case 1 when b.Count > 0: b[_rng.Next(b.Count)] = Interesting[_rng.Next(Interesting.Length)]; break;
                case 2: b.InsertRange(_rng.Next(b.Count + 1), RandomBytes(1 + _rng.Next(8))); break;
                case 3 when b.Count > 0: { int at = _rng.Next(b.Count); b.RemoveRange(at, Math.Min(b.Count - at, 1 + _rng.Next(8))); break; }
                case 4 when b.Count > 0: { int cut = _rng.Next(b.Count); b.RemoveRange(cut, b.Count - cut); break; } // truncate
                case 5 when b.Count >= 12: // a section count (or the flags) set to something telling
                    {
                        int field = 2 + 2 * _rng.Next(5);
                        ushort v = (ushort)Pick(0, 1, 2, 3, 0xFFFF, _rng.Next(65536));
                        b[field] = (byte)(v >> 8);
                        b[field + 1] = (byte)v;
                        break;
                    }
                case 6 when b.Count > 13: // a compression pointer anywhere past the header
                    {
                        int at = 12 + _rng.Next(b.Count - 13);
                        int target = Pick(12, at, at + 2, _rng.Next(b.Count + 4), 0x3FFF, 2);
                        b[at] = (byte)(0xC0 | (target >> 8) & 0x3F);
                        b[at + 1] = (byte)target;
                        break;
                    }
                case 7: { var opt = new List<byte>(); Opt(opt, (ushort)_rng.Next(65536), (byte)Pick(0, 0, 1, 255), RandomBytes(_rng.Next(3) * 4)); b.AddRange(opt); Bump(b, 10); break; }
                case 8: { var r = new List<byte>(); Record(r); b.AddRange(r); Bump(b, 6 + 2 * _rng.Next(3)); break; }
                case 9 when b.Count > 0: { int at = _rng.Next(b.Count); int len = Math.Min(b.Count - at, 1 + _rng.Next(16)); b.InsertRange(_rng.Next(b.Count + 1), b.GetRange(at, len)); break; }
                case 10: { var other = _seeds[_rng.Next(_seeds.Count)]; int cut = _rng.Next(b.Count + 1); b.RemoveRange(cut, b.Count - cut); b.AddRange(other.AsSpan(Math.Min(other.Length, _rng.Next(other.Length + 1))).ToArray()); break; }
            }
        }
        return [.. b];
    }

    private byte[] Assembled()
    {
        var b = new List<byte>(128);
        int qd = _rng.Next(10) == 0 ? _rng.Next(4) : 1;
        int an = _rng.Next(8) == 0 ? _rng.Next(3) : 0, ns = _rng.Next(8) == 0 ? _rng.Next(3) : 0;
        int opts = _rng.Next(4) switch { 0 => 0, 1 or 2 => 1, _ => _rng.Next(4) };
        int extra = _rng.Next(8) == 0 ? _rng.Next(3) : 0;
        int flags = _rng.Next(6) == 0 ? _rng.Next(65536) : (_rng.Next(4) == 0 ? _rng.Next(16) << 11 : 0) | 0x0100;
        int lie = _rng.Next(6) == 0 ? _rng.Next(-2, 3) : 0;
        Header(b, (ushort)_rng.Next(65536), (ushort)flags, qd, an, ns, Math.Max(0, opts + extra + lie));
        for (int i = 0; i < Math.Max(qd, _rng.Next(10) == 0 ? 1 : 0); i++)
        {
            RandomName(b);
            U16(b, Types[_rng.Next(Types.Length)]);
            U16(b, Classes[_rng.Next(Classes.Length)]);
        }
        for (int i = 0; i < an + ns; i++) Record(b);
        for (int i = 0; i < opts; i++)
        {
            if (_rng.Next(6) == 0) RandomName(b);
            else b.Add(0);
            U16(b, 41);
            U16(b, (ushort)Pick(0, 512, 1232, 4096, _rng.Next(65536)));
            b.Add((byte)Pick(0, 0, 1)); b.Add((byte)Pick(0, 0, 0, 1, 255)); U16(b, (ushort)Pick(0, 0x8000));
            var rdata = _rng.Next(3) == 0 ? RandomOptions() : [];
            U16(b, (ushort)(rdata.Length + (_rng.Next(10) == 0 ? _rng.Next(-3, 4) : 0)));
            b.AddRange(rdata);
        }
        for (int i = 0; i < extra; i++) Record(b);
        if (_rng.Next(10) == 0) b.AddRange(RandomBytes(1 + _rng.Next(8)));
        return [.. b];
    }

    private byte[] RandomOptions()
    {
        var o = new List<byte>();
        for (int i = _rng.Next(1, 4); i > 0; i--)
        {
            var data = RandomBytes(_rng.Next(12));
            U16(o, (ushort)Pick(10, 8, 12, 15, _rng.Next(65536)));
            U16(o, (ushort)(data.Length + (_rng.Next(8) == 0 ? 1 : 0)));
            o.AddRange(data);
        }
        return [.. o];
    }

    // A name from the zone, a random one, an over-long one, or one ending in a pointer.
    private void RandomName(List<byte> b)
    {
        switch (_rng.Next(6))
        {
            case 0 or 1: Name(b, RandomCase(names[_rng.Next(names.Count)])); break;
            case 2:
                for (int i = _rng.Next(0, 6); i > 0; i--)
                {
                    int len = Pick(1, 3, 63, 64, _rng.Next(1, 70));
                    b.Add((byte)len);
                    for (int k = 0; k < len; k++) b.Add((byte)Pick('a', '-', 'Z', 0, '.', _rng.Next(256)));
                }
                b.Add(0);
                break;
            case 3:
                for (int i = _rng.Next(3, 6); i > 0; i--) { b.Add(63); b.AddRange(Enumerable.Repeat((byte)'x', 63)); }
                b.Add(0);
                break;
            default:
                if (_rng.Next(2) == 0) { b.Add(3); b.AddRange("abc"u8); }
                int target = Pick(12, b.Count, b.Count + 2, _rng.Next(b.Count + 8));
                b.Add((byte)(0xC0 | (target >> 8)));
                b.Add((byte)target);
                break;
        }
    }

    private void Record(List<byte> b)
    {
        RandomName(b);
        U16(b, Types[_rng.Next(Types.Length)]);
        U16(b, Classes[_rng.Next(Classes.Length)]);
        U16(b, 0); U16(b, 5);
        var rdata = RandomBytes(Pick(0, 4, 16, _rng.Next(40)));
        U16(b, (ushort)(rdata.Length + (_rng.Next(10) == 0 ? _rng.Next(-3, 4) : 0)));
        b.AddRange(rdata);
    }

    private void Bump(List<byte> b, int field)
    {
        if (b.Count < 12 || _rng.Next(4) == 0) return; // sometimes the count is left to lie
        ushort v = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(b.GetRange(field, 2).ToArray()) + 1);
        b[field] = (byte)(v >> 8);
        b[field + 1] = (byte)v;
    }

    private string RandomCase(string name)
    {
        if (_rng.Next(3) != 0) return name;
        var sb = new StringBuilder(name);
        for (int i = 0; i < sb.Length; i++) if (_rng.Next(2) == 0) sb[i] = char.ToUpperInvariant(sb[i]);
        return sb.ToString();
    }

    private byte[] RandomBytes(int n)
    {
        var r = new byte[n];
        _rng.NextBytes(r);
        return r;
    }

    private int Pick(params int[] choices) => choices[_rng.Next(choices.Length)];

    private static void Header(List<byte> b, ushort id, ushort flags, int qd, int an, int ns, int ar)
    {
        U16(b, id); U16(b, flags); U16(b, (ushort)qd); U16(b, (ushort)an); U16(b, (ushort)ns); U16(b, (ushort)ar);
    }

    private static void Name(List<byte> b, string fqdn)
    {
        foreach (var label in fqdn.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            b.Add((byte)label.Length);
            b.AddRange(Encoding.ASCII.GetBytes(label));
        }
        b.Add(0);
    }

    private static void Opt(List<byte> b, ushort size, byte version, byte[] rdata)
    {
        b.Add(0); U16(b, 41); U16(b, size); b.Add(0); b.Add(version); U16(b, 0); U16(b, (ushort)rdata.Length); b.AddRange(rdata);
    }

    private static void U16(List<byte> b, ushort v) { b.Add((byte)(v >> 8)); b.Add((byte)v); }
}
