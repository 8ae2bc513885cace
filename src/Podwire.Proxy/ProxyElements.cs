using System.Globalization;
using Podwire.Datapath;

namespace Podwire.Proxy;

/// <summary>
/// The proxy's elements as netlink batches (<see cref="NftElementBatch"/>), for the fast path next
/// to the nft text of <see cref="ProxyRenderer"/>: the same keys and values, in the bytes nft
/// itself would send for the types <see cref="ProxyRenderer.RenderTable"/> declares
/// (<c>ipv4_addr . inet_proto . inet_service [. mark]</c> keys, verdicts or
/// <c>ipv4_addr . inet_service</c> values, <c>ipv4_addr . ipv4_addr</c> hairpin pairs). Pure.
/// </summary>
public static class ProxyElements
{
    /// <summary>
    /// Every element of <paramref name="s"/>, replacing whatever the maps held: each map and set is
    /// flushed and refilled in the same batch, so the switch is one transaction. The affinity map
    /// is flushed too, as a fresh table would have it.
    /// </summary>
    public static NftElementBatch Full(ProxyState s)
    {
        var b = new NftElementBatch(NftFamily.Ip, ProxyLayout.Table);
        foreach (var set in new[] { ProxyLayout.InternalMap, ProxyLayout.ExternalMap, ProxyLayout.BackendsMap, ProxyLayout.SlotsMap, ProxyLayout.AffinityMap,
                     ProxyLayout.NoEndpointsSet, ProxyLayout.HairpinSet, ProxyLayout.FirewallMap })
            b.Flush(set);
        foreach (var (k, v) in s.Backends) b.Add(ProxyLayout.BackendsMap, Backend(k, v));
        foreach (var (k, v) in s.Slots) b.Add(ProxyLayout.SlotsMap, Slot(k, v));
        foreach (var (k, v) in s.Internal) b.Add(ProxyLayout.InternalMap, Frontend(k, v));
        foreach (var (k, v) in s.External) b.Add(ProxyLayout.ExternalMap, Frontend(k, v));
        foreach (var (k, v) in s.Firewall) b.Add(ProxyLayout.FirewallMap, Frontend(k, v));
        foreach (var k in s.NoEndpoints) b.Add(ProxyLayout.NoEndpointsSet, new NftElement(FrontendKey(k)));
        foreach (var k in s.Hairpin) b.Add(ProxyLayout.HairpinSet, new NftElement(HairpinKey(k)));
        return b;
    }

    /// <summary>The element part of <paramref name="d"/>, in the order of <see cref="ProxyRenderer.RenderDelta(ProxyDelta)"/>.</summary>
    public static NftElementBatch Delta(ProxyDelta d)
    {
        var b = new NftElementBatch(NftFamily.Ip, ProxyLayout.Table);
        foreach (var k in d.InternalDeleted) b.Delete(ProxyLayout.InternalMap, FrontendKey(k));
        foreach (var k in d.ExternalDeleted) b.Delete(ProxyLayout.ExternalMap, FrontendKey(k));
        foreach (var k in d.FirewallDeleted) b.Delete(ProxyLayout.FirewallMap, FrontendKey(k));
        foreach (var k in d.BackendsDeleted) b.Delete(ProxyLayout.BackendsMap, BackendKey(k));
        foreach (var k in d.SlotsDeleted) b.Delete(ProxyLayout.SlotsMap, BackendKey(k));
        foreach (var k in d.NoEndpointsDeleted) b.Delete(ProxyLayout.NoEndpointsSet, FrontendKey(k));
        foreach (var k in d.HairpinDeleted) b.Delete(ProxyLayout.HairpinSet, HairpinKey(k));
        foreach (var k in d.BackendsAdded) b.Add(ProxyLayout.BackendsMap, Backend(k, d.New.Backends[k]));
        foreach (var k in d.SlotsAdded) b.Add(ProxyLayout.SlotsMap, Slot(k, d.New.Slots[k]));
        foreach (var k in d.InternalAdded) b.Add(ProxyLayout.InternalMap, Frontend(k, d.New.Internal[k]));
        foreach (var k in d.ExternalAdded) b.Add(ProxyLayout.ExternalMap, Frontend(k, d.New.External[k]));
        foreach (var k in d.FirewallAdded) b.Add(ProxyLayout.FirewallMap, Frontend(k, d.New.Firewall[k]));
        foreach (var k in d.NoEndpointsAdded) b.Add(ProxyLayout.NoEndpointsSet, new NftElement(FrontendKey(k)));
        foreach (var k in d.HairpinAdded) b.Add(ProxyLayout.HairpinSet, new NftElement(HairpinKey(k)));
        return b;
    }

    private static NftElement Frontend(string key, string verdict) => new(FrontendKey(key), null, Verdict(verdict));

    private static NftElement Backend(string key, string value) => new(BackendKey(key), BackendValue(value), null);

    private static NftElement Slot(string key, string value) => new(BackendKey(key), MarkValue(value), null);

    /// <summary>"131072" → 4 bytes, as a mark is stored.</summary>
    public static byte[] MarkValue(string text)
    {
        Span<byte> buf = stackalloc byte[4];
        var w = new NftBytes(buf);
        if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mark)) throw Bad("mark", text);
        w.Mark(mark);
        return w.ToArray();
    }

    /// <summary>"goto lb-2" or "drop", as the compiler writes verdicts.</summary>
    public static NftVerdict Verdict(string text)
    {
        if (text == "drop") return NftVerdict.Drop;
        if (text.StartsWith("goto ", StringComparison.Ordinal)) return NftVerdict.Goto(text[5..]);
        if (text.StartsWith("jump ", StringComparison.Ordinal)) return NftVerdict.Jump(text[5..]);
        throw Bad("verdict", text);
    }

    /// <summary>"10.96.0.1 . tcp . 443" → 12 bytes.</summary>
    public static byte[] FrontendKey(string text)
    {
        Span<byte> buf = stackalloc byte[12];
        var w = new NftBytes(buf);
        var f = new Fields(text);
        if (!w.Ipv4(f.Next()) || !Proto(ref w, f.Next()) || !Port(ref w, f.Next()) || !f.Done) throw Bad("frontend key", text);
        return w.ToArray();
    }

    /// <summary>"10.96.0.1 . tcp . 443 . 65536" → 16 bytes (the bucket is a mark).</summary>
    public static byte[] BackendKey(string text)
    {
        Span<byte> buf = stackalloc byte[16];
        var w = new NftBytes(buf);
        var f = new Fields(text);
        if (!w.Ipv4(f.Next()) || !Proto(ref w, f.Next()) || !Port(ref w, f.Next())
            || !uint.TryParse(f.Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var mark) || !f.Done)
            throw Bad("backend key", text);
        w.Mark(mark);
        return w.ToArray();
    }

    /// <summary>"10.244.0.2 . 8080" → 8 bytes.</summary>
    public static byte[] BackendValue(string text)
    {
        Span<byte> buf = stackalloc byte[8];
        var w = new NftBytes(buf);
        var f = new Fields(text);
        if (!w.Ipv4(f.Next()) || !Port(ref w, f.Next()) || !f.Done) throw Bad("endpoint", text);
        return w.ToArray();
    }

    /// <summary>"10.244.0.2 . 10.244.0.2" → 8 bytes.</summary>
    public static byte[] HairpinKey(string text)
    {
        Span<byte> buf = stackalloc byte[8];
        var w = new NftBytes(buf);
        var f = new Fields(text);
        if (!w.Ipv4(f.Next()) || !w.Ipv4(f.Next()) || !f.Done) throw Bad("hairpin pair", text);
        return w.ToArray();
    }

    private static bool Proto(ref NftBytes w, ReadOnlySpan<char> name)
    {
        int p = NftBytes.ProtocolNumber(name);
        if (p < 0) return false;
        w.Proto((byte)p);
        return true;
    }

    private static bool Port(ref NftBytes w, ReadOnlySpan<char> text)
    {
        if (!ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port)) return false;
        w.Port(port);
        return true;
    }

    private static FormatException Bad(string what, string text) => new($"not an nft {what}: \"{text}\"");

    /// <summary>Splits "a . b . c" without allocating.</summary>
    private ref struct Fields(string text)
    {
        private ReadOnlySpan<char> _rest = text;
        private bool _done;

        public readonly bool Done => _done;

        public ReadOnlySpan<char> Next()
        {
            if (_done) return default;
            int i = _rest.IndexOf(" . ", StringComparison.Ordinal);
            if (i < 0) { _done = true; return _rest; }
            var field = _rest[..i];
            _rest = _rest[(i + 3)..];
            return field;
        }
    }
}
