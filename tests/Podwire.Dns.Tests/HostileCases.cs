using System.Buffers.Binary;
using System.Text;

namespace Podwire.Dns.Tests;

/// <summary>Raw DNS messages assembled byte by byte, so malformed ones can be written at all.</summary>
internal static class Pkt
{
    public const string Web = "web.prod.svc.cluster.local.";

    public static byte[] Header(ushort id = 0x1234, int flags = 0x0100, int qd = 1, int an = 0, int ns = 0, int ar = 0)
    {
        var h = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(h, id);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), (ushort)qd);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(6), (ushort)an);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(8), (ushort)ns);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(10), (ushort)ar);
        return h;
    }

    public static byte[] Name(string fqdn)
    {
        var out_ = new List<byte>();
        foreach (var label in fqdn.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            out_.Add((byte)label.Length);
            out_.AddRange(Encoding.ASCII.GetBytes(label));
        }
        out_.Add(0);
        return [.. out_];
    }

    public static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    public static byte[] Question(string name = Web, int type = 1, int klass = 1) => Cat(Name(name), U16(type), U16(klass));

    public static byte[] Opt(int size = 1232, int version = 0, byte[]? owner = null, byte[]? rdata = null, int? rdlength = null) =>
        Cat(owner ?? [0], U16(41), U16(size), [0, (byte)version, 0, 0], U16(rdlength ?? rdata?.Length ?? 0), rdata ?? []);

    /// <summary>An A record in an answer section: owner, type A, class IN, TTL 5, 1.2.3.4.</summary>
    public static byte[] ARecord(byte[] owner) => Cat(owner, U16(1), U16(1), [0, 0, 0, 5], U16(4), [1, 2, 3, 4]);

    public static byte[] Cat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>A name of <paramref name="labels"/> labels of 63 bytes then one of <paramref name="last"/> bytes.</summary>
    public static byte[] LongName(int labels, int last)
    {
        var parts = new List<byte[]>();
        for (int i = 0; i < labels; i++) parts.Add([63, .. Enumerable.Repeat((byte)'a', 63)]);
        if (last > 0) parts.Add([(byte)last, .. Enumerable.Repeat((byte)'b', last)]);
        parts.Add([0]);
        return Cat([.. parts]);
    }
}

/// <summary>What the server must do with a message: drop it, or answer with this rcode and shape.</summary>
/// <param name="Rcode">Full rcode (extended: BADVERS is 16); null means dropped.</param>
/// <param name="Question">The question is echoed (qdcount 1).</param>
/// <param name="Opt">The reply carries an OPT record.</param>
public sealed record Expect(int? Rcode, bool Question = true, bool Opt = false)
{
    public static readonly Expect Drop = new(null, false);
    public static Expect FormErr(bool question = true) => new(1, question);
    public static Expect NotImp(bool question = true) => new(4, question);
    public static Expect Refused(bool opt = false) => new(5, true, opt);
    public static readonly Expect NoError = new(0);
    public static readonly Expect BadVers = new(16, true, true);
    public override string ToString() => Rcode is null ? "drop" : $"rcode {Rcode}{(Question ? " +question" : "")}{(Opt ? " +OPT" : "")}";
}

/// <summary>The hostile corpus of issue 12, each with what RFC 1035/6891 and Knot make of it.</summary>
public static class HostileCases
{
    public sealed record Case(string Name, byte[] Packet, Expect Expect, string? KnotDiffers = null);

    private static readonly byte[] Q = Pkt.Question();
    private static readonly byte[] H = Pkt.Header();

    // Where Knot 3.2 does otherwise, why we do what we do (checked by KnotDifferentialTests).
    private const string KnotDropsBadQuestion =
        "Knot drops a message whose question it cannot read; RFC 1035 §4.1.1 names FORMERR for it, and a 12-byte header-only answer amplifies nothing";
    private const string KnotTakesNonRootOpt = "Knot ignores the OPT owner; RFC 6891 §6.1.2 requires the root, the issue asks FORMERR";
    private const string KnotTransfers = "Knot refuses a transfer it does not allow with NOTAUTH (NOTIMP for AXFR over UDP); we implement none: NOTIMP";
    private const string KnotOpcodes = "Knot answers NOTIFY with NOTAUTH and UPDATE with FORMERR (it implements both); we implement neither: NOTIMP";

    public static IReadOnlyList<Case> All { get; } =
    [
        // Truncated headers and responses: dropped (nothing trustworthy to answer to).
        new("empty datagram", [], Expect.Drop),
        new("1-byte header", [0x12], Expect.Drop),
        new("11-byte header", H[..11], Expect.Drop),
        new("QR=1 (a response)", Pkt.Cat(Pkt.Header(flags: 0x8100), Q), Expect.Drop),
        new("QR=1 NXDOMAIN reflected", Pkt.Cat(Pkt.Header(flags: 0x8583), Q), Expect.Drop),

        // Opcodes other than QUERY.
        new("opcode IQUERY", Pkt.Cat(Pkt.Header(flags: 0x0100 | 1 << 11), Q), Expect.NotImp()),
        new("opcode STATUS", Pkt.Cat(Pkt.Header(flags: 0x0100 | 2 << 11), Q), Expect.NotImp()),
        new("opcode NOTIFY", Pkt.Cat(Pkt.Header(flags: 4 << 11), Q), Expect.NotImp(), KnotOpcodes),
        new("opcode UPDATE", Pkt.Cat(Pkt.Header(flags: 5 << 11), Q), Expect.NotImp(), KnotOpcodes),
        new("opcode 15", Pkt.Cat(Pkt.Header(flags: 15 << 11), Q), Expect.NotImp()),
        new("opcode 15, bad question", Pkt.Cat(Pkt.Header(flags: 15 << 11), [0xC0, 0x0C, 0, 1, 0, 1]), Expect.NotImp(question: false), KnotDropsBadQuestion),

        // QDCOUNT != 1.
        new("QDCOUNT 0, no question", Pkt.Header(qd: 0), Expect.FormErr(question: false)),
        new("QDCOUNT 0 with a question", Pkt.Cat(Pkt.Header(qd: 0), Q), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("QDCOUNT 2", Pkt.Cat(Pkt.Header(qd: 2), Q, Q), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("QDCOUNT 2, one question", Pkt.Cat(Pkt.Header(qd: 2), Q), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("QDCOUNT 65535", Pkt.Cat(Pkt.Header(qd: 65535), Q), Expect.FormErr(question: false), KnotDropsBadQuestion),

        // Counts that lie, and trailing garbage.
        new("ANCOUNT 1, no record", Pkt.Cat(Pkt.Header(an: 1), Q), Expect.FormErr()),
        new("NSCOUNT 1, no record", Pkt.Cat(Pkt.Header(ns: 1), Q), Expect.FormErr()),
        new("ARCOUNT 1, no record", Pkt.Cat(Pkt.Header(ar: 1), Q), Expect.FormErr()),
        new("ARCOUNT 2, one OPT", Pkt.Cat(Pkt.Header(ar: 2), Q, Pkt.Opt()), Expect.FormErr()),
        new("ARCOUNT 65535, one OPT", Pkt.Cat(Pkt.Header(ar: 65535), Q, Pkt.Opt()), Expect.FormErr()),
        new("ANCOUNT 0, an A record follows", Pkt.Cat(H, Q, Pkt.ARecord([0xC0, 12])), Expect.FormErr()),
        new("question cut short", Pkt.Cat(H, Q[..^2]), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("record cut short", Pkt.Cat(Pkt.Header(an: 1), Q, Pkt.ARecord([0xC0, 12])[..^2]), Expect.FormErr()),
        new("RDLENGTH past the end", Pkt.Cat(Pkt.Header(ar: 1), Q, Pkt.Opt(rdlength: 16)), Expect.FormErr()),
        new("1 trailing byte", Pkt.Cat(H, Q, [0]), Expect.FormErr()),
        new("4 trailing bytes", Pkt.Cat(H, Q, [0xDE, 0xAD, 0xBE, 0xEF]), Expect.FormErr()),
        new("trailing bytes after the OPT", Pkt.Cat(Pkt.Header(ar: 1), Q, Pkt.Opt(), "garbage"u8.ToArray()), Expect.FormErr()),

        // Compression pointers: loops, forward, into the header, and a valid one.
        new("question pointer to itself", Pkt.Cat(H, [0xC0, 12, 0, 1, 0, 1]), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("question pointer forward", Pkt.Cat(H, [3, .. "web"u8, 0xC0, 22, 0, 1, 0, 1, 0]), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("question pointer into the header", Pkt.Cat(H, [0xC0, 2, 0, 1, 0, 1]), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("answer owner pointer loop", Pkt.Cat(Pkt.Header(an: 1), Q, Pkt.ARecord([0xC0, (byte)(12 + Q.Length)])), Expect.FormErr()),
        new("answer owner two-pointer loop", Pkt.Cat(Pkt.Header(an: 2), Q, Pkt.ARecord([0xC0, (byte)(12 + Q.Length + 16)]), Pkt.ARecord([0xC0, (byte)(12 + Q.Length)])), Expect.FormErr()),
        new("answer owner pointer forward", Pkt.Cat(Pkt.Header(an: 1), Q, Pkt.ARecord([0xC0, (byte)(12 + Q.Length + 5)])), Expect.FormErr()),
        new("answer owner pointer past the end", Pkt.Cat(Pkt.Header(an: 1), Q, Pkt.ARecord([0xFF, 0xFF])), Expect.FormErr()),
        new("answer owner pointer to the question", Pkt.Cat(Pkt.Header(an: 1), Q, Pkt.ARecord([0xC0, 12])), Expect.NoError),

        // Labels over 63 bytes, reserved label types, names over 255 bytes.
        new("label of 64 bytes", Pkt.Cat(H, [64, .. Enumerable.Repeat((byte)'a', 64), 0, 0, 1, 0, 1]), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("label type 0x40", Pkt.Cat(H, [0x41, (byte)'a', 0, 0, 1, 0, 1]), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("label type 0x80", Pkt.Cat(H, [0x81, (byte)'a', 0, 0, 1, 0, 1]), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("name of 256 bytes", Pkt.Cat(H, Pkt.LongName(4, 0), Pkt.U16(1), Pkt.U16(1)), Expect.FormErr(question: false), KnotDropsBadQuestion),
        new("name of 255 bytes (legal, not ours)", Pkt.Cat(H, Pkt.LongName(3, 61), Pkt.U16(1), Pkt.U16(1)), Expect.Refused()),
        new("answer owner of 256 bytes", Pkt.Cat(Pkt.Header(an: 1), Q, Pkt.ARecord(Pkt.LongName(4, 0))), Expect.FormErr()),

        // EDNS: version, duplicates, misplacement, owner, options.
        new("EDNS version 1", Pkt.Cat(Pkt.Header(ar: 1), Q, Pkt.Opt(version: 1)), Expect.BadVers),
        new("EDNS version 255", Pkt.Cat(Pkt.Header(ar: 1), Q, Pkt.Opt(version: 255)), Expect.BadVers),
        new("two OPT records", Pkt.Cat(Pkt.Header(ar: 2), Q, Pkt.Opt(), Pkt.Opt()), Expect.FormErr()),
        new("two OPT records, versions 0 and 1", Pkt.Cat(Pkt.Header(ar: 2), Q, Pkt.Opt(), Pkt.Opt(version: 1)), Expect.FormErr()),
        new("OPT in the answer section", Pkt.Cat(Pkt.Header(an: 1), Q, Pkt.Opt()), Expect.FormErr()),
        new("OPT in the authority section", Pkt.Cat(Pkt.Header(ns: 1), Q, Pkt.Opt()), Expect.FormErr()),
        new("OPT owned by x.", Pkt.Cat(Pkt.Header(ar: 1), Q, Pkt.Opt(owner: Pkt.Name("x."))), Expect.FormErr(), KnotTakesNonRootOpt),
        new("OPT owner a pointer", Pkt.Cat(Pkt.Header(ar: 1), Q, Pkt.Opt(owner: [0xC0, 12])), Expect.FormErr(), KnotTakesNonRootOpt),
        new("OPT option overruns its RDATA", Pkt.Cat(Pkt.Header(ar: 1), Q, Pkt.Opt(rdata: [0, 10, 0, 9, .. "12345678"u8])), Expect.FormErr()),
        new("OPT with a cookie option", Pkt.Cat(Pkt.Header(ar: 1), Q, Pkt.Opt(rdata: [0, 10, 0, 8, .. "12345678"u8])), new Expect(0, true, true)),
        new("EDNS size 0 (means 512)", Pkt.Cat(Pkt.Header(ar: 1), Q, Pkt.Opt(size: 0)), new Expect(0, true, true)),

        // Classes other than IN (ANY is answered, as Knot does).
        new("class CH", Pkt.Cat(H, Pkt.Question(klass: 3)), Expect.Refused()),
        new("class HS", Pkt.Cat(H, Pkt.Question(klass: 4)), Expect.Refused()),
        new("class NONE", Pkt.Cat(H, Pkt.Question(klass: 254)), Expect.Refused()),
        new("class 42", Pkt.Cat(H, Pkt.Question(klass: 42)), Expect.Refused()),
        new("class CH with EDNS", Pkt.Cat(Pkt.Header(ar: 1), Pkt.Question(klass: 3), Pkt.Opt()), Expect.Refused(opt: true)),
        new("class ANY", Pkt.Cat(H, Pkt.Question(klass: 255)), Expect.NoError),

        // Query types that are no lookup.
        new("type 0", Pkt.Cat(H, Pkt.Question(type: 0)), Expect.NotImp()),
        new("type AXFR", Pkt.Cat(H, Pkt.Question(type: 252)), Expect.NotImp(), KnotTransfers),
        new("type IXFR", Pkt.Cat(H, Pkt.Question(type: 251)), Expect.NotImp(), KnotTransfers),

        // Flags a query should not carry are ignored, as Knot does.
        new("TC, AA and Z set in a query", Pkt.Cat(Pkt.Header(flags: 0x0740), Q), Expect.NoError),
        new("rcode set in a query", Pkt.Cat(Pkt.Header(flags: 0x0105), Q), Expect.NoError),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in All) data.Add(c.Name);
        return data;
    }

    public static Case Get(string name) => All.Single(c => c.Name == name);
}
