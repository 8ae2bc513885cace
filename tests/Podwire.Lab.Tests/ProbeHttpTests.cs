using System.Net;
using System.Text;
using CsCheck;
using Podwire.Lab.Probe;

namespace Podwire.Lab.Tests.Probe;

public sealed class ProbeHttpTests
{
    private static (HttpParseStatus, HttpRequestHead?, int) Parse(string s)
    {
        var status = HttpRequestHead.TryParse(Encoding.Latin1.GetBytes(s), out var head, out var consumed);
        return (status, head, consumed);
    }

    [Fact]
    public void Parses_a_request_head_and_reports_its_length()
    {
        const string req = "GET /hostname?x=1 HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: curl\r\n\r\nNEXT";
        var (status, head, consumed) = Parse(req);
        Assert.Equal(HttpParseStatus.Ok, status);
        Assert.Equal(req.Length - 4, consumed);
        Assert.Equal(new HttpRequestHead("GET", "/hostname?x=1", 1, "10.0.0.1:8080", 0, false, false), head);
        Assert.Equal("/hostname", head!.Path);
        Assert.True(head.KeepAlive);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n", HttpParseStatus.Incomplete)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", HttpParseStatus.Ok)]
    [InlineData("GET / HTTP/1.1\nHost: a\n\n", HttpParseStatus.Ok)]
    [InlineData("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", HttpParseStatus.Ok)]
    [InlineData("garbage\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("GET /\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("GET / HTTP/1.1\r\n\r\n", HttpParseStatus.Bad)] // HTTP/1.1 without Host
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", HttpParseStatus.Ok)] // Host optional in 1.0
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n", HttpParseStatus.Bad)] // space before colon
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", HttpParseStatus.Unsupported)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n", HttpParseStatus.Unsupported)]
    [InlineData("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("GET foo HTTP/1.1\r\nHost: a\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", HttpParseStatus.Bad)]
    [InlineData("GET http://h:1/p?q HTTP/1.1\r\nHost: h:1\r\n\r\n", HttpParseStatus.Ok)]
    public void Classifies_request_heads(string request, HttpParseStatus expected) =>
        Assert.Equal(expected, Parse(request).Item1);

    [Fact]
    public void Absolute_form_target_yields_its_path() =>
        Assert.Equal("/p", Parse("GET http://h:1/p?q HTTP/1.1\r\nHost: h:1\r\n\r\n").Item2!.Path);

    [Fact]
    public void A_head_without_end_beyond_the_limit_is_too_large()
    {
        var big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('a', HttpRequestHead.MaxHeadBytes);
        Assert.Equal(HttpParseStatus.TooLarge, Parse(big).Item1);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nconnection: Keep-Alive, Close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    public void Persistence_follows_version_and_connection_header(string request, bool keepAlive) =>
        Assert.Equal(keepAlive, Parse(request).Item2!.KeepAlive);

    [Fact]
    public void Content_length_is_read()
    {
        var (_, head, _) = Parse("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n");
        Assert.Equal(12, head!.ContentLength);
    }

    [Fact]
    public void Parser_never_throws_and_consumes_within_the_buffer()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var status = HttpRequestHead.TryParse(bytes, out var head, out var consumed);
            return status == HttpParseStatus.Ok ? head is not null && consumed > 0 && consumed <= bytes.Length : head is null && consumed == 0;
        });
    }

    private static readonly IPEndPoint V4Client = new(IPAddress.Parse("10.250.0.2"), 40000);

    [Fact]
    public void Hostname_and_clientip_answer_like_agnhost()
    {
        var head = Parse("GET /hostname HTTP/1.1\r\nHost: a\r\n\r\n").Item2!;
        var (code, type, body) = ProbeResponses.Answer(head, "web-1", "prod", V4Client);
        Assert.Equal((200, "text/plain; charset=utf-8", "web-1"), (code, type, Encoding.UTF8.GetString(body)));

        var ip = ProbeResponses.Answer(Parse("GET /clientip HTTP/1.1\r\nHost: a\r\n\r\n").Item2!, "web-1", "prod", V4Client);
        Assert.Equal("10.250.0.2:40000", Encoding.UTF8.GetString(ip.Body));
        // An IPv4 peer on the dual-stack socket arrives as ::ffff:a.b.c.d and is shown as IPv4.
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:10.250.0.2"), 40000);
        Assert.Equal("10.250.0.2:40000", ProbeResponses.ClientAddress(mapped));
        Assert.Equal("[fd00::2]:40000", ProbeResponses.ClientAddress(new IPEndPoint(IPAddress.Parse("fd00::2"), 40000)));
    }

    [Fact]
    public void Other_paths_answer_json_with_fields_in_order()
    {
        var head = Parse("GET /a/b%20c?x=1 HTTP/1.1\r\nHost: svc.prod:80\r\n\r\n").Item2!;
        var (code, type, body) = ProbeResponses.Answer(head, "web-\"1", "prod", new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 5));
        Assert.Equal(200, code);
        Assert.Equal("application/json", type);
        Assert.Equal("{\"pod\":\"web-\\u00221\",\"namespace\":\"prod\",\"path\":\"/a/b%20c\",\"host\":\"svc.prod:80\",\"clientIP\":\"10.1.2.3\"}", Encoding.UTF8.GetString(body));
    }

    private static readonly DateTimeOffset Now = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    [Fact]
    public void Builds_exact_responses()
    {
        Assert.Equal(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nDate: Mon, 06 May 2024 07:08:09 GMT\r\n\r\nabc",
            Encoding.ASCII.GetString(ProbeResponses.Build(200, ProbeResponses.TextPlain, "abc"u8, keepAlive: true, 1, isHead: false, Now)));
        Assert.Equal(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nDate: Mon, 06 May 2024 07:08:09 GMT\r\nConnection: close\r\n\r\n",
            Encoding.ASCII.GetString(ProbeResponses.Build(200, ProbeResponses.TextPlain, "abc"u8, keepAlive: false, 1, isHead: true, Now)));
        Assert.Contains("\r\nConnection: keep-alive\r\n",
            Encoding.ASCII.GetString(ProbeResponses.Build(200, ProbeResponses.TextPlain, "abc"u8, keepAlive: true, 0, isHead: false, Now)));
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", Encoding.ASCII.GetString(ProbeResponses.Error(HttpParseStatus.Bad, Now)));
        Assert.StartsWith("HTTP/1.1 431 ", Encoding.ASCII.GetString(ProbeResponses.Error(HttpParseStatus.TooLarge, Now)));
        Assert.StartsWith("HTTP/1.1 501 ", Encoding.ASCII.GetString(ProbeResponses.Error(HttpParseStatus.Unsupported, Now)));
    }

    [Theory]
    [InlineData("hostname", "web-1")]
    [InlineData("hostname\n", "web-1")]
    [InlineData("HOSTNAME\r\n", "web-1")]
    [InlineData("hostnames", "hostnames")]
    [InlineData("hello\n", "hello\n")]
    [InlineData("", "")]
    public void Udp_answers_hostname_and_echoes_the_rest(string datagram, string reply) =>
        Assert.Equal(reply, Encoding.UTF8.GetString(ProbeResponses.Udp(Encoding.UTF8.GetBytes(datagram), "web-1"u8.ToArray())));

    [Fact]
    public void Client_parses_a_response_by_content_length()
    {
        var r = ProbeClient.ParseResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nweb-1trailing"u8);
        Assert.Equal(new ProbeResult(ProbeFailure.None, 200, "web-1", ""), r);
        Assert.Equal(ProbeFailure.BadResponse, ProbeClient.ParseResponse("nonsense"u8).Failure);
        Assert.Equal(ProbeFailure.BadResponse, ProbeClient.ParseResponse("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"u8).Failure);
    }
}
