using System.Text;
using CsCheck;
using Podwire.Ingress.Tests.Harness;

namespace Podwire.Ingress.Tests;

/// <summary>
/// The fast path (Forwarding/) and YARP (PODWIRE_INGRESS_FORWARDER=yarp) given the same requests —
/// a corpus of known tricks plus generated methods, targets, headers and bodies — send the same
/// request upstream and give the client the same response, up to <see cref="AllowedDifferences"/>.
/// </summary>
public sealed class DifferentialTests(BackendsFixture backends) : IClassFixture<BackendsFixture>
{
    /// <summary>
    /// What may differ, and why (docs/INGRESS-SECURITY.md): the order and case of header lines
    /// (HTTP field order across different names carries no meaning, and names are
    /// case-insensitive); the Date the response gets (written by Kestrel per response); and
    /// <c>Content-Length: 0</c>, which HttpClient adds to a request without a body when the client
    /// sent a content header such as Content-Type (the same message: no body either way).
    /// Everything else — request line, every upstream header value, body, status, response
    /// headers and body — must be identical.
    /// </summary>
    public const string AllowedDifferences = "header order and name case; response Date; Content-Length: 0 added by YARP to a bodiless request carrying a content header";

    public sealed record Request(string Method, string Target, (string Name, string Value)[] Headers, byte[]? Body)
    {
        public string Wire()
        {
            var sb = new StringBuilder($"{Method} {Target} HTTP/1.1\r\nHost: raw.test\r\n");
            foreach (var (n, v) in Headers) sb.Append(n).Append(": ").Append(v).Append("\r\n");
            if (Body is not null) sb.Append("Content-Length: ").Append(Body.Length).Append("\r\n");
            sb.Append("\r\n");
            if (Body is not null) sb.Append(Encoding.Latin1.GetString(Body));
            return sb.ToString();
        }

        public override string ToString() => Wire().Replace("\r\n", "\\r\\n");
    }

    private static RawBackend.Reply Script(string method, string target, byte[] body)
    {
        var text = $"{method} {target} {body.Length}";
        return RawBackend.Text($"HTTP/1.1 200 OK\r\nContent-Length: {text.Length}\r\nX-Echo: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n"
            + (method == "HEAD" ? "" : text));
    }

    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    private static readonly string[] Segments = ["api", "a", "..", ".", "%2e%2e", "%2E", "%2F", "%2f", "%25", "%252e", "%3F", "%23", "%ff", "%41", "~", "x;y", "a:b", "@", "!$&'()*+,;=", "", "%7e", "caf%C3%A9"];
    private static readonly string[] Queries = ["", "?q=1", "?a=%2F&b=..", "?x=%ff", "?", "?a=b/c?d", "?%25=%2525", "?../../x"];
    private static readonly (string, string)[] HeaderPool =
    [
        ("X-Custom", "v"), ("X_Under", "u"), ("x-forwarded-for", "6.6.6.6"), ("X-Real-IP", "1.2.3.4"), ("Forwarded", "for=x"),
        ("X-Forwarded-Port", "1"), ("X-Forwarded-Proto", "https"), ("Connection", "X-Custom"), ("Connection", "keep-alive"),
        ("Connection", "keep-alive, close, X-Custom"), ("Accept", "*/*"), ("Cookie", "a=1"), ("Cookie", "b=2"), ("User-Agent", "gen/1"),
        ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"), ("X-Dup", "1"), ("X-Dup", "2"), ("Content-Type", "text/plain"),
        ("Accept-Encoding", "gzip"), ("Authorization", "Basic eDp5"), ("X-Empty", ""), ("Via", "1.1 other"),
    ];

    private static readonly Gen<Request> GenRequest =
        Gen.Select(
            Gen.Int[0, Methods.Length - 1],
            Gen.Int[0, Segments.Length - 1].Array[1, 4],
            Gen.Int[0, Queries.Length - 1],
            Gen.Int[0, HeaderPool.Length - 1].Array[0, 5],
            Gen.Byte[32, 126].Array[0, 64],
            Gen.Bool,
            (m, segs, q, hs, body, withBody) => new Request(
                Methods[m],
                "/" + string.Join('/', segs.Select(s => Segments[s])) + Queries[q],
                [.. hs.Select(h => HeaderPool[h])],
                withBody || Methods[m] is "POST" or "PUT" or "PATCH" ? body : null));

    /// <summary>Known tricks, always run.</summary>
    public static readonly Request[] Corpus =
    [
        new("GET", "/", [], null),
        new("GET", "/api/%252e%252e/secret", [], null),
        new("GET", "/api/%2e%2e/secret?x=%2F", [], null),
        new("GET", "/exact%3Fx", [], null),
        new("GET", "/a%2Fb%ff", [], null),
        new("GET", "/a#frag", [], null),
        new("GET", "/a%zz", [], null),
        new("GET", "/a?x=\x01", [], null),
        new("GET", "http://raw.test/abs/../x?y", [], null),
        new("POST", "/p", [("Connection", "Content-Length")], "GET /internal HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()),
        new("POST", "/p", [("Connection", "keep-alive, content-length")], "GET /internal HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()),
        new("POST", "/p", [("Connection", "X-Custom"), ("X-Custom", "dropped"), ("X_Forwarded_For", "1.1.1.1")], [1, 2, 3]),
        new("DELETE", "/d", [("X-Forwarded-For", "6.6.6.6"), ("Forwarded", "for=6.6.6.6")], null),
        new("HEAD", "/h", [], null),
        new("OPTIONS", "/o", [], null),
        new("POST", "/empty", [], []),
    ];

    private static (string RequestLine, string[] Headers, byte[] Body)? Upstream(RawBackend raw, int before)
    {
        var all = raw.Requests;
        if (all.Count == before) return null;
        Assert.Equal(before + 1, all.Count);
        var lines = all[^1].Head.TrimEnd('\r', '\n').Split("\r\n");
        var headers = lines.Skip(1).Select(l => l[..l.IndexOf(':')].ToLowerInvariant() + ":" + l[(l.IndexOf(':') + 1)..].Trim()).Order(StringComparer.Ordinal).ToArray();
        return (lines[0], headers, all[^1].Body);
    }

    private static string Client(RawClient.Response? r) =>
        r is null ? "(closed)" : $"{r.Status}\n{string.Join("\n", r.Headers.Where(h => h.Name != "date").Select(h => h.Name + ":" + h.Value).Order(StringComparer.Ordinal))}\n{r.Text}";

    private static async Task CompareAsync(Edge fast, Edge yarp, Request request)
    {
        string wire = request.Wire();
        bool head = request.Method == "HEAD";
        int fastBefore = fast.Raw.Requests.Count, yarpBefore = yarp.Raw.Requests.Count;
        var fastResponse = Client(await RawClient.OnceAsync(fast.Port, wire, head));
        var yarpResponse = Client(await RawClient.OnceAsync(yarp.Port, wire, head));
        var fastUp = Upstream(fast.Raw, fastBefore);
        var yarpUp = Upstream(yarp.Raw, yarpBefore);
        string Show((string RequestLine, string[] Headers, byte[] Body)? u) =>
            u is null ? "(nothing)" : $"{u.Value.RequestLine}\n{string.Join("\n", u.Value.Headers)}\n{Convert.ToHexString(u.Value.Body)}";
        // The proxies listen on different ports: the only header that names the port is normalised here.
        if (request.Body is null && yarpUp is { } y) yarpUp = y with { Headers = [.. y.Headers.Where(h => h != "content-length:0")] };
        string fastShown = Show(fastUp).Replace($"x-forwarded-port:{fast.Port}", "x-forwarded-port:PORT");
        string yarpShown = Show(yarpUp).Replace($"x-forwarded-port:{yarp.Port}", "x-forwarded-port:PORT");
        Assert.True(fastShown == yarpShown, $"upstream differs for {request}\n--- fast path:\n{fastShown}\n--- YARP:\n{yarpShown}");
        Assert.True(fastResponse == yarpResponse, $"client response differs for {request}\n--- fast path:\n{fastResponse}\n--- YARP:\n{yarpResponse}");
    }

    [Fact]
    public async Task The_fast_path_and_YARP_send_and_answer_the_same()
    {
        await using var fast = await Edge.StartAsync(backends, Script);
        await using var yarp = await Edge.StartAsync(backends, Script, yarpOnly: true);
        foreach (var request in Corpus) await CompareAsync(fast, yarp, request);
        // 300 in CI; PODWIRE_DIFF_ITER=N for a longer run by hand. One at a time: each compares the backends' last request.
        long iter = long.TryParse(Environment.GetEnvironmentVariable("PODWIRE_DIFF_ITER"), out var n) ? n : 300;
        await GenRequest.SampleAsync(r => CompareAsync(fast, yarp, r), iter: iter, threads: 1);
    }
}
