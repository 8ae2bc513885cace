using System.Buffers.Binary;
using Podwire.Datapath;

namespace Podwire.Proxy.Tests;

/// <summary>
/// The netlink path's bytes: keys and values as nft itself stores them (expected values copied
/// from <c>nft --debug=netlink</c> loading testdata/proxy/external), and the batch framing.
/// </summary>
public sealed class ElementsTests
{
    private static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    [Fact]
    public void KeysAndValuesAreLaidOutAsNftStoresThem()
    {
        // nft --debug=netlink prints 32-bit words in host order: "0100600a 00000006 0000bb01".
        Assert.Equal("0a600001" + "06000000" + "01bb0000", Hex(ProxyElements.FrontendKey("10.96.0.1 . tcp . 443")));
        Assert.Equal("ac120002" + "11000000" + "00350000", Hex(ProxyElements.FrontendKey("172.18.0.2 . udp . 53")));
        // "020012ac 00000006 00008175 00010000": the bucket is a host-order mark.
        Assert.Equal("ac120002" + "06000000" + "75810000" + "00000100", Hex(ProxyElements.BackendKey("172.18.0.2 . tcp . 30081 . 65536")));
        // "020012ac 00002b19"
        Assert.Equal("ac120002" + "192b0000", Hex(ProxyElements.BackendValue("172.18.0.2 . 6443")));
        Assert.Equal("0af40002" + "0af40002", Hex(ProxyElements.HairpinKey("10.244.0.2 . 10.244.0.2")));
        Assert.Equal(NftVerdict.Goto("lbm-2"), ProxyElements.Verdict("goto lbm-2"));
        Assert.Equal(NftVerdict.Drop, ProxyElements.Verdict("drop"));
    }

    [Theory]
    [InlineData("10.96.0.1 . tcp")]
    [InlineData("10.96.0.1 . tcp . 443 . 1")]
    [InlineData("10.96.0.256 . tcp . 443")]
    [InlineData("10.96.0 . tcp . 443")]
    [InlineData("10.96.0.1 . gre . 443")]
    [InlineData("10.96.0.1 . tcp . 65536")]
    public void MalformedKeysAreRefused(string key) => Assert.Throws<FormatException>(() => ProxyElements.FrontendKey(key));

    [Fact]
    public void FullBatchFlushesEveryMapThenAddsEveryElement()
    {
        var s = ProxyCompiler.Compile(Corpus.LoadCase("external"), "node-1");
        var b = ProxyElements.Full(s);
        Assert.Equal(["flush internal", "flush external", "flush backends", "flush slots", "flush affinity", "flush no-endpoints", "flush hairpin", "flush firewall",
            "add backends", "add internal", "add external", "add no-endpoints", "add hairpin"],
            b.Ops.Select(o => $"{o.Kind.ToString().ToLowerInvariant()} {o.Set}"));
        Assert.Equal(s.ElementCount, b.ElementCount);
        var internalOp = b.Ops.Single(o => o.Kind == NftSetOpKind.Add && o.Set == "internal");
        Assert.Contains(internalOp.Elements, e => Hex(e.Key) == "0a600001" + "06000000" + "01bb0000" && e.Verdict == NftVerdict.Goto("lb-1"));
    }

    [Fact]
    public void EncoderFramesOneBatchWithAnAckedMessagePerChunk()
    {
        var b = new NftElementBatch(NftFamily.Ip, "t");
        b.Flush("m");
        for (int i = 0; i < 3000; i++) b.Add("m", new NftElement(new byte[16], new byte[8]));
        b.Delete("m", new byte[16]);
        var enc = NfNetlinkEncoder.Encode(b, 100);

        var messages = Messages(enc.Bytes.AsSpan(0, enc.Length));
        Assert.Equal(0x10, messages[0].Type); // BATCH_BEGIN
        Assert.Equal(0x11, messages[^1].Type); // BATCH_END
        Assert.Equal(100u, enc.BeginSeq);
        Assert.Equal((ushort)10, BinaryPrimitives.ReadUInt16BigEndian(enc.Bytes.AsSpan(18))); // res_id NFNL_SUBSYS_NFTABLES
        var body = messages[1..^1];
        Assert.Equal(enc.Messages.Select(m => m.Seq), body.Select(m => m.Seq));
        Assert.All(body, m => Assert.True((m.Flags & 0x4) != 0, "NLM_F_ACK"));
        Assert.Equal(0x0a0e, body[0].Type); // DELSETELEM without elements = flush
        Assert.True(body.Length >= 5, "3000 elements do not fit one 64 KiB attribute");
        Assert.All(body[1..^1], m => { Assert.Equal(0x0a0c, m.Type); Assert.True(m.Length < 65536); });
        Assert.Equal(0x0a0e, body[^1].Type);
        Assert.Contains("elements 0..", enc.Messages[1].What);
        Assert.Equal(3000 + 1, CountElements(enc.Bytes.AsSpan(0, enc.Length)));
    }

    private readonly record struct Msg(int Length, int Type, int Flags, uint Seq);

    private static Msg[] Messages(ReadOnlySpan<byte> data)
    {
        var list = new List<Msg>();
        while (data.Length > 0)
        {
            int len = BinaryPrimitives.ReadInt32LittleEndian(data);
            list.Add(new Msg(len, BinaryPrimitives.ReadUInt16LittleEndian(data[4..]), BinaryPrimitives.ReadUInt16LittleEndian(data[6..]),
                BinaryPrimitives.ReadUInt32LittleEndian(data[8..])));
            data = data[len..];
        }
        return list.ToArray();
    }

    /// <summary>NFTA_LIST_ELEM attributes inside every NFTA_SET_ELEM_LIST_ELEMENTS.</summary>
    private static int CountElements(ReadOnlySpan<byte> data)
    {
        int n = 0;
        while (data.Length > 0)
        {
            int len = BinaryPrimitives.ReadInt32LittleEndian(data);
            var attrs = data[20..len];
            while (attrs.Length >= 4)
            {
                int alen = BinaryPrimitives.ReadUInt16LittleEndian(attrs);
                int type = BinaryPrimitives.ReadUInt16LittleEndian(attrs[2..]) & 0x3fff;
                if (type == 3)
                {
                    var elems = attrs[4..alen];
                    while (elems.Length >= 4)
                    {
                        int elen = BinaryPrimitives.ReadUInt16LittleEndian(elems);
                        n++;
                        elems = elems[((elen + 3) & ~3)..];
                    }
                }
                attrs = attrs[((alen + 3) & ~3)..];
            }
            data = data[len..];
        }
        return n;
    }
}
