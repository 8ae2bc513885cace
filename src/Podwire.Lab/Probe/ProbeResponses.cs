using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Podwire.Lab.Probe;

/// <summary>
/// What the probe answers, as pure functions of the request, so the wire format is tested
/// without sockets. The behaviour follows agnhost's netexec, which Kubernetes' e2e tests use as
/// their workload: <c>/hostname</c> is the pod name without a newline, <c>/clientip</c> is the
/// peer as "ip:port" (Go's RemoteAddr: "[v6]:port" for IPv6).
/// </summary>
public static class ProbeResponses
{
    public const string TextPlain = "text/plain; charset=utf-8";
    public const string Json = "application/json";

    /// <summary>Status, content type and body for a well-formed request.</summary>
    public static (int Status, string ContentType, byte[] Body) Answer(
        HttpRequestHead request, string pod, string ns, IPEndPoint client)
    {
        switch (request.Path)
        {
            case "/hostname":
                return (200, TextPlain, Encoding.UTF8.GetBytes(pod));
            case "/clientip":
                return (200, TextPlain, Encoding.UTF8.GetBytes(ClientAddress(client)));
            default:
                return (200, Json, JsonBody(pod, ns, request.Path, request.Host ?? "", ClientIp(client)));
        }
    }

    /// <summary>The JSON body for any other path; keys in this fixed order.</summary>
    public static byte[] JsonBody(string pod, string ns, string path, string host, string clientIp)
    {
        using var ms = new MemoryStream(128);
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("pod", pod);
            w.WriteString("namespace", ns);
            w.WriteString("path", path);
            w.WriteString("host", host);
            w.WriteString("clientIP", clientIp);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>The client's address alone; an IPv4 peer on a dual-stack socket is shown as IPv4.</summary>
    public static string ClientIp(IPEndPoint client) => Unmap(client.Address).ToString();

    /// <summary>"ip:port", or "[ip]:port" for IPv6, as agnhost's /clientip answers.</summary>
    public static string ClientAddress(IPEndPoint client)
    {
        var ip = Unmap(client.Address);
        var port = client.Port.ToString(CultureInfo.InvariantCulture);
        return ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]:{port}" : $"{ip}:{port}";
    }

    private static IPAddress Unmap(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    /// <summary>
    /// A complete response. HEAD gets the same headers (including the Content-Length a GET would
    /// have) and no body. An HTTP/1.0 client that asked to keep alive is told so explicitly.
    /// </summary>
    public static byte[] Build(int status, string contentType, ReadOnlySpan<byte> body, bool keepAlive, int minorVersion, bool isHead, DateTimeOffset now)
    {
        var sb = new StringBuilder(160);
        sb.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason(status)).Append("\r\n");
        sb.Append("Content-Type: ").Append(contentType).Append("\r\n");
        sb.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        sb.Append("Date: ").Append(now.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        if (!keepAlive) sb.Append("Connection: close\r\n");
        else if (minorVersion == 0) sb.Append("Connection: keep-alive\r\n");
        sb.Append("\r\n");
        var headLength = Encoding.ASCII.GetByteCount(sb.ToString());
        var result = new byte[headLength + (isHead ? 0 : body.Length)];
        Encoding.ASCII.GetBytes(sb.ToString(), result);
        if (!isHead) body.CopyTo(result.AsSpan(headLength));
        return result;
    }

    /// <summary>The error answer for a request that could not be parsed; the connection closes after it.</summary>
    public static byte[] Error(HttpParseStatus status, DateTimeOffset now)
    {
        var code = status switch
        {
            HttpParseStatus.TooLarge => 431,
            HttpParseStatus.Unsupported => 501,
            _ => 400,
        };
        return Build(code, TextPlain, Encoding.ASCII.GetBytes(Reason(code) + "\n"), keepAlive: false, minorVersion: 1, isHead: false, now);
    }

    public static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        _ => "Unknown",
    };

    /// <summary>
    /// The UDP answer: a "hostname" datagram (any case, surrounding whitespace such as a trailing
    /// newline ignored, as agnhost does) gets the pod name; anything else is echoed back unchanged.
    /// </summary>
    public static ReadOnlySpan<byte> Udp(ReadOnlySpan<byte> datagram, byte[] podName)
    {
        var trimmed = datagram.Trim(" \t\r\n"u8);
        return trimmed.Length == 8 && Ascii.EqualsIgnoreCase(trimmed, "hostname"u8) ? podName : datagram;
    }
}
