using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Podwire.Datapath;

namespace Podwire.Lab.Probe;

public enum ProbeFailure { None, Refused, Timeout, Unreachable, Reset, BadResponse, Error }

/// <summary>The outcome of one probe: the HTTP status (0 for UDP) and body, or why it failed.</summary>
public sealed record ProbeResult(ProbeFailure Failure, int Status, string Body, string Detail)
{
    public bool Ok => Failure == ProbeFailure.None;

    public static ProbeResult Failed(ProbeFailure failure, string detail) => new(failure, 0, "", detail);
}

/// <summary>
/// A client that speaks from inside a pod: the socket is created in the source pod's namespace
/// (so it routes, is filtered and is NATed as that pod's traffic), then used from any thread.
/// One request per connection ("Connection: close"), which is what a reachability check needs.
/// </summary>
public static class ProbeClient
{
    public static ProbeResult Http(string netns, string ip, int port, string path, TimeSpan timeout) =>
        HttpAsync(netns, ip, port, path, timeout).GetAwaiter().GetResult();

    public static ProbeResult Udp(string netns, string ip, int port, string payload, TimeSpan timeout) =>
        UdpAsync(netns, ip, port, payload, timeout).GetAwaiter().GetResult();

    public static async Task<ProbeResult> HttpAsync(string netns, string ip, int port, string path, TimeSpan timeout)
    {
        if (!IPAddress.TryParse(ip, out var address)) return ProbeResult.Failed(ProbeFailure.Error, $"not an IP address: {ip}");
        using var cts = new CancellationTokenSource(timeout);
        using var socket = Netns.RunIn(netns, () => new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), cts.Token).ConfigureAwait(false);
            var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
            var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: podwire-probe\r\nConnection: close\r\n\r\n");
            await socket.SendAsync(request, SocketFlags.None, cts.Token).ConfigureAwait(false);
            using var response = new MemoryStream();
            var buffer = new byte[4096];
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n == 0) break;
                response.Write(buffer, 0, n);
            }
            return ParseResponse(response.ToArray());
        }
        catch (OperationCanceledException)
        {
            return ProbeResult.Failed(ProbeFailure.Timeout, $"no answer from {ip}:{port} within {timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e)
        {
            return ProbeResult.Failed(Classify(e.SocketErrorCode), e.SocketErrorCode.ToString());
        }
    }

    public static async Task<ProbeResult> UdpAsync(string netns, string ip, int port, string payload, TimeSpan timeout)
    {
        if (!IPAddress.TryParse(ip, out var address)) return ProbeResult.Failed(ProbeFailure.Error, $"not an IP address: {ip}");
        using var cts = new CancellationTokenSource(timeout);
        using var socket = Netns.RunIn(netns, () => new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp));
        try
        {
            // A connected UDP socket reports the ICMP port unreachable of a closed port as refused.
            await socket.ConnectAsync(new IPEndPoint(address, port), cts.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.UTF8.GetBytes(payload), SocketFlags.None, cts.Token).ConfigureAwait(false);
            var buffer = new byte[65536];
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
            return new ProbeResult(ProbeFailure.None, 0, Encoding.UTF8.GetString(buffer, 0, n), "");
        }
        catch (OperationCanceledException)
        {
            return ProbeResult.Failed(ProbeFailure.Timeout, $"no answer from {ip}:{port}/udp within {timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e)
        {
            return ProbeResult.Failed(Classify(e.SocketErrorCode), e.SocketErrorCode.ToString());
        }
    }

    /// <summary>
    /// The first packet of an SCTP association (INIT) from a raw socket, and its answer: INIT ACK
    /// is an answered probe, ABORT is "refused" (the packet reached a host with nothing on that
    /// port). Works whether or not the kernel has SCTP sockets: a kernel SCTP stack and a
    /// <see cref="SctpResponder"/> answer alike. The raw socket is connected to the destination,
    /// so it sees only packets from there (un-NATed replies of a Service come from its address).
    /// </summary>
    public static async Task<ProbeResult> SctpAsync(string netns, string ip, int port, TimeSpan timeout)
    {
        if (!IPAddress.TryParse(ip, out var address)) return ProbeResult.Failed(ProbeFailure.Error, $"not an IP address: {ip}");
        using var cts = new CancellationTokenSource(timeout);
        Socket socket;
        try
        {
            socket = Netns.RunIn(netns, () => NativeSocket.Open(address.AddressFamily, SocketType.Raw, SctpResponder.SctpProtocol));
        }
        catch (DatapathException e)
        {
            return ProbeResult.Failed(ProbeFailure.Error, $"raw SCTP socket: {e.Message}");
        }
        using (socket)
        {
            ushort sourcePort = (ushort)Random.Shared.Next(49152, 65536);
            uint tag = (uint)Random.Shared.Next(1, int.MaxValue);
            var init = new byte[SctpPacket.InitBytes];
            SctpPacket.WriteInit(init, sourcePort, (ushort)port, tag);
            var buffer = new byte[2048];
            bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, 0), cts.Token).ConfigureAwait(false);
                await socket.SendAsync(init, SocketFlags.None, cts.Token).ConfigureAwait(false);
                while (true)
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
                    var packet = buffer.AsSpan(0, n);
                    var sctp = v4 ? SctpPacket.SkipIPv4Header(packet) : packet;
                    // Another probe's packets from the same address share this socket's view.
                    if (!SctpPacket.TryRead(sctp, out var h) || h.SourcePort != port || h.DestinationPort != sourcePort || h.VerificationTag != tag) continue;
                    // The lab's responder names its pod in the state cookie; a kernel's cookie is binary.
                    if (h.Chunk == SctpPacket.InitAck) return new ProbeResult(ProbeFailure.None, 0, CookieText(SctpPacket.Cookie(sctp)), "INIT ACK");
                    if (h.Chunk == SctpPacket.Abort) return ProbeResult.Failed(ProbeFailure.Refused, "ABORT");
                }
            }
            catch (OperationCanceledException)
            {
                return ProbeResult.Failed(ProbeFailure.Timeout, $"no answer from {ip}:{port}/sctp within {timeout.TotalSeconds:0.###} s");
            }
            catch (SocketException e)
            {
                return ProbeResult.Failed(Classify(e.SocketErrorCode), e.SocketErrorCode.ToString());
            }
        }
    }

    private static string CookieText(ReadOnlySpan<byte> cookie)
    {
        foreach (var b in cookie)
            if (b is < 0x20 or > 0x7e) return "";
        return Encoding.ASCII.GetString(cookie);
    }

    public static ProbeFailure Classify(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => ProbeFailure.Refused,
        SocketError.TimedOut => ProbeFailure.Timeout,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown
            or SocketError.AddressNotAvailable => ProbeFailure.Unreachable,
        SocketError.ConnectionReset or SocketError.ConnectionAborted => ProbeFailure.Reset,
        _ => ProbeFailure.Error,
    };

    /// <summary>Status line and body of a complete response read to end of stream (Content-Length respected when present).</summary>
    public static ProbeResult ParseResponse(ReadOnlySpan<byte> response)
    {
        var headEnd = response.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0) return ProbeResult.Failed(ProbeFailure.BadResponse, "incomplete response head");
        var head = Encoding.Latin1.GetString(response[..headEnd]);
        var body = response[(headEnd + 4)..];
        var lines = head.Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !statusParts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) ||
            !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            return ProbeResult.Failed(ProbeFailure.BadResponse, $"bad status line: {lines[0]}");
        for (var i = 1; i < lines.Length; i++)
        {
            var colon = lines[i].IndexOf(':');
            if (colon > 0 && lines[i][..colon].Equals("Content-Length", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(lines[i][(colon + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                if (length > body.Length) return ProbeResult.Failed(ProbeFailure.BadResponse, $"body shorter than Content-Length {length}");
                body = body[..length];
            }
        }
        return new ProbeResult(ProbeFailure.None, status, Encoding.UTF8.GetString(body), "");
    }
}
