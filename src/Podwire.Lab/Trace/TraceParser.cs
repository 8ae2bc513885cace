namespace Podwire.Lab.Trace;

/// <summary>One line of <c>nft monitor trace</c>: a packet's step through one chain.</summary>
/// <param name="Id">The trace id nft gives the packet (stable while it crosses one namespace's hooks).</param>
/// <param name="Kind">"packet" (the packet's headers), "rule" (a rule matched), "verdict" (a chain's verdict) or "policy" (a base chain's policy applied).</param>
/// <param name="Rule">The matched rule's text (kind "rule") or the packet's headers (kind "packet"); null otherwise.</param>
/// <param name="Verdict">The verdict: "continue", "accept", "drop", "jump CHAIN", "goto CHAIN", "return"; null for "packet".</param>
public sealed record TraceEvent(string Id, string Family, string Table, string Chain, string Kind, string? Rule, string? Verdict);

/// <summary>Parses <c>nft monitor trace</c> output (nft 1.0.x text format).</summary>
public static class TraceParser
{
    /// <summary>One line, or null when it is not a trace line (monitor banners, blank lines).</summary>
    public static TraceEvent? ParseLine(string line)
    {
        // trace id 5f3c1b2a inet podwire-trace pre rule ip saddr 10.244.1.2 meta nftrace set 1 (verdict continue)
        const string Head = "trace id ";
        line = line.TrimEnd();
        if (!line.StartsWith(Head, StringComparison.Ordinal)) return null;
        var parts = line[Head.Length..].Split(' ', 5);
        if (parts.Length < 5) return null;
        string id = parts[0], family = parts[1], table = parts[2], chain = parts[3], rest = parts[4];
        if (rest.StartsWith("packet: ", StringComparison.Ordinal))
            return new TraceEvent(id, family, table, chain, "packet", rest["packet: ".Length..], null);
        // "policy accept meta mark 0x00000001": the packet's metadata follows the verdict; keep the verdict.
        if (rest.StartsWith("verdict ", StringComparison.Ordinal))
            return new TraceEvent(id, family, table, chain, "verdict", null, FirstVerdict(rest["verdict ".Length..]));
        if (rest.StartsWith("policy ", StringComparison.Ordinal))
            return new TraceEvent(id, family, table, chain, "policy", null, FirstVerdict(rest["policy ".Length..]));
        if (rest.StartsWith("rule ", StringComparison.Ordinal))
        {
            var body = rest["rule ".Length..];
            string? verdict = null;
            // The verdict is the last parenthesised "(verdict X)"; rule text may itself hold parentheses.
            var v = body.LastIndexOf(" (verdict ", StringComparison.Ordinal);
            if (v >= 0 && body.EndsWith(')'))
            {
                verdict = body[(v + " (verdict ".Length)..^1];
                body = body[..v];
            }
            return new TraceEvent(id, family, table, chain, "rule", body, verdict);
        }
        return new TraceEvent(id, family, table, chain, rest.Split(' ', 2)[0], rest, null);
    }

    private static string FirstVerdict(string text)
    {
        var words = text.Trim().Split(' ');
        // jump/goto carry their target chain.
        return words.Length > 1 && words[0] is "jump" or "goto" ? words[0] + " " + words[1] : words[0];
    }

    /// <summary>Every trace line of a monitor's output, in order.</summary>
    public static IReadOnlyList<TraceEvent> Parse(string output)
    {
        var list = new List<TraceEvent>();
        foreach (var line in output.Split('\n'))
            if (ParseLine(line) is { } e) list.Add(e);
        return list;
    }

    /// <summary>The endpoint of a DNAT statement in a rule ("dnat ip to 10.244.1.5:8080" → "10.244.1.5:8080"), or null.</summary>
    public static string? DnatTarget(string? rule)
    {
        if (rule is null) return null;
        var i = rule.IndexOf("dnat ", StringComparison.Ordinal);
        if (i < 0) return null;
        var to = rule.IndexOf(" to ", i, StringComparison.Ordinal);
        if (to < 0) return null;
        var target = rule[(to + 4)..];
        var end = target.IndexOf(' ');
        target = end < 0 ? target : target[..end];
        // "dnat ip to ip daddr . th dport map @backends" picks the endpoint from a map: no literal.
        var host = target.LastIndexOf(':') is int c && c > 0 && target.Count(ch => ch == ':') == 1 ? target[..c] : target;
        return System.Net.IPAddress.TryParse(host.Trim('[', ']'), out _) ? target : null;
    }

    /// <summary>"ADDR:PORT" from a packet dump's "ip daddr ADDR ... tcp|udp|sctp dport PORT", or null.</summary>
    public static string? Destination(string? packet)
    {
        if (packet is null) return null;
        string? addr = null, port = null;
        var words = packet.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 2 < words.Length; i++)
        {
            if (words[i] is "ip" or "ip6" && words[i + 1] == "daddr") addr ??= words[i + 2];
            else if (words[i] is "tcp" or "udp" or "sctp" && words[i + 1] == "dport") port ??= words[i + 2];
        }
        return addr is null ? null : port is null ? addr : $"{addr}:{port}";
    }
}
