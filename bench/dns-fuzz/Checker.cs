using System.Buffers.Binary;
using ARSoft.Tools.Net.Dns;
using Podwire.Dns;

namespace Podwire.DnsFuzz;

/// <summary>
/// The invariants every answer must keep, and the comparison of the server's parser with
/// ARSoft.Tools.Net's on the same message.
/// </summary>
internal sealed class Checker
{
    private const int MaxExamples = 8;
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];
    private readonly Dictionary<string, List<string>> _examples = new(StringComparer.Ordinal);

    public long Failures { get; private set; }
    public long SocketSent { get; set; }

    public void InProcess(DnsSnapshot snap, byte[] packet, byte[] reply, bool udp, bool canForward)
    {
        int m;
        DnsDisposition what;
        try { m = DnsResponder.Answer(snap, packet, reply, udp, canForward, out what); }
        catch (Exception e)
        {
            Fail("exception escaped Answer: " + e.GetType().Name + " " + e.Message, packet);
            return;
        }
        Count($"disposition {what}");
        if (what == DnsDisposition.Reply) CheckReply(packet, reply.AsSpan(0, m).ToArray(), udp, "in-process");
        else if (m != 0) Fail($"{what} with a {m}-byte reply", packet);
        Differential(packet);
    }

    /// <summary>Size, amplification and well-formedness of one reply to <paramref name="query"/>.</summary>
    public void CheckReply(byte[] query, byte[] r, bool udp, string where)
    {
        if (r.Length < 12) { Fail($"{where}: {r.Length}-byte reply", query); return; }
        if (r[0] != query[0] || r[1] != query[1] || (r[2] & 0x80) == 0) { Fail($"{where}: reply id or QR wrong", query); return; }
        DnsMessage msg;
        try { msg = DnsMessage.Parse(r); }
        catch (Exception e) { Fail($"{where}: ARSoft cannot parse our reply ({e.GetType().Name}: {e.Message})", query); return; }
        // Our OPT is always the last 11 bytes: its first TTL byte is the extended rcode.
        int rcode = (r[3] & 0x0F) | (msg.IsEDnsEnabled && r.Length >= 23 && r[^11] == 0 && r[^9] == 41 ? r[^6] << 4 : 0);
        Count($"rcode {rcode}{(msg.IsTruncated ? " TC" : "")}");
        if (rcode is 1 or 4 or 5 or 16 && r.Length > query.Length) Fail($"{where}: rcode {rcode} answer of {r.Length} bytes to a {query.Length}-byte query (amplification)", query);
        if (msg.IsTruncated && msg.AnswerRecords.Count > 0) Fail($"{where}: TC with answers", query);
        if (!udp) return;
        int limit = DnsResponder.ClassicUdpLimit;
        if (msg.IsEDnsEnabled)
        {
            // An OPT in the reply means the query had one valid OPT: its size decides.
            ushort asked = QueryEdnsSize(query);
            limit = Math.Clamp((int)asked, DnsResponder.ClassicUdpLimit, DnsResponder.MaxUdpPayload);
        }
        if (r.Length > limit) Fail($"{where}: {r.Length}-byte UDP reply over the limit of {limit}", query);
        if (r.Length > DnsResponder.MaxUdpPayload) Fail($"{where}: UDP reply over 1232 bytes", query);
    }

    // The OPT's payload size as ARSoft reads it (0 when ARSoft cannot read the query).
    private static ushort QueryEdnsSize(byte[] query)
    {
        try { return DnsMessage.Parse(query).EDnsOptions?.UdpPayloadSize ?? 0; }
        catch (Exception) { return 0; }
    }

    private void Differential(byte[] packet)
    {
        Span<char> key = stackalloc char[260];
        Span<int> labels = stackalloc int[DnsQuery.MaxLabels];
        var verdict = DnsQuery.Parse(packet, key, labels, out var q);
        DnsMessage? theirs = null;
        string? why = null;
        try
        {
            var parsed = DnsMessage.Parse(packet);
            theirs = parsed;
        }
        catch (Exception e) { why = e.GetType().Name; }

        bool oursRead = verdict is DnsQueryError.None or DnsQueryError.Refused or DnsQueryError.BadVers;
        if (theirs is null)
        {
            if (!oursRead) { Count("differential: both reject"); return; }
            Count($"differential: ARSoft rejects ({why}), ours reads");
            // Is it the question ARSoft objects to, or only what follows it (records, OPT contents)?
            if (QuestionAloneParses(packet, q.QuestionLength)) Count("differential: ARSoft rejects, ours reads: ARSoft reads the question alone");
            else Fail("ARSoft rejects the question that ours reads", packet);
            Example("ARSoft rejects, ours reads", packet);
            return;
        }
        if (!oursRead)
        {
            Count($"differential: ARSoft reads, ours {verdict}");
            if (verdict == DnsQueryError.FormErr) Example("ARSoft reads, ours FormErr", packet);
            return;
        }
        Count("differential: both read");
        // Both read it: they must agree on what was asked and on EDNS.
        if (theirs.Questions.Count != 1) { Fail($"parsers disagree: {theirs.Questions.Count} questions per ARSoft", packet); return; }
        var question = theirs.Questions[0];
        if ((ushort)question.RecordType != q.Type || (ushort)question.RecordClass != q.Class)
            Fail($"parsers disagree on type/class: ARSoft {(ushort)question.RecordType}/{(ushort)question.RecordClass}, ours {q.Type}/{q.Class}", packet);
        if (Comparable(key[..q.NameLength]) && !SameName(key[..q.NameLength], question.Name.Labels))
            Fail($"parsers disagree on the name: ARSoft {question.Name}", packet);
        if (theirs.IsEDnsEnabled != q.HasEdns) Fail($"parsers disagree on EDNS: ARSoft {theirs.IsEDnsEnabled}, ours {q.HasEdns}", packet);
        else if (q.HasEdns && (theirs.EDnsOptions!.UdpPayloadSize != q.EdnsSize || theirs.EDnsOptions.Version != q.EdnsVersion))
            Fail($"parsers disagree on the OPT: ARSoft size {theirs.EDnsOptions.UdpPayloadSize} v{theirs.EDnsOptions.Version}, ours {q.EdnsSize} v{q.EdnsVersion}", packet);
    }

    private static bool QuestionAloneParses(byte[] packet, int questionLength)
    {
        var alone = packet[..(12 + questionLength)];
        alone[6] = alone[7] = alone[8] = alone[9] = alone[10] = alone[11] = 0;
        try { return DnsMessage.Parse(alone).Questions.Count == 1; }
        catch (Exception) { return false; }
    }

    // Names whose bytes ARSoft shows unescaped and unchanged: letters, digits, '-' and '_'.
    private static bool Comparable(ReadOnlySpan<char> key)
    {
        int i = 0;
        while (i < key.Length && key[i] != '\0')
        {
            int len = key[i];
            foreach (char c in key.Slice(i + 1, len)) if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
            i += 1 + len;
        }
        return true;
    }

    private static bool SameName(ReadOnlySpan<char> key, string[] labels)
    {
        int i = 0, l = 0;
        while (i < key.Length && key[i] != '\0')
        {
            int len = key[i];
            if (l >= labels.Length || !key.Slice(i + 1, len).Equals(labels[l].AsSpan(), StringComparison.OrdinalIgnoreCase)) return false;
            i += 1 + len;
            l++;
        }
        return l == labels.Length;
    }

    public void Count(string what) => _counts[what] = _counts.GetValueOrDefault(what) + 1;

    public void Fail(string what, byte[] packet)
    {
        Failures++;
        if (_failures.Count < 20) _failures.Add($"{what}\n    packet {Convert.ToHexString(packet)}");
    }

    private void Example(string what, byte[] packet)
    {
        if (!_examples.TryGetValue(what, out var list)) _examples[what] = list = [];
        if (list.Count < MaxExamples) list.Add(Convert.ToHexString(packet));
    }

    public void Report(TextWriter w)
    {
        foreach (var (what, n) in _counts.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteLine($"  {what}: {n:N0}");
        foreach (var (what, list) in _examples)
        {
            w.WriteLine($"  examples, {what}:");
            foreach (var hex in list) w.WriteLine($"    {hex}");
        }
        foreach (var f in _failures) w.WriteLine("FAIL " + f);
    }
}
