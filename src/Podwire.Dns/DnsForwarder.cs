using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Podwire.Dns;

/// <summary>
/// Relays queries for names outside the cluster zones to the configured upstreams, as CoreDNS's
/// <c>forward</c> plugin does: the client's message is sent as it is (so its EDNS size and
/// flags reach the upstream) and the first upstream to answer within the timeout wins.
/// Off the hot path: each forwarded query costs a socket and a task.
/// </summary>
public sealed class DnsForwarder(IReadOnlyList<IPEndPoint> upstreams, TimeSpan timeout)
{
    public bool Enabled => upstreams.Count > 0;

    /// <summary>The upstream's reply, or a SERVFAIL built from the query when none answered.</summary>
    public async Task<byte[]> ForwardAsync(byte[] query, bool tcp, CancellationToken ct)
    {
        foreach (var upstream in upstreams)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            try
            {
                var reply = tcp ? await OverTcp(upstream, query, cts.Token) : await OverUdp(upstream, query, cts.Token);
                if (reply is not null) return reply;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
            catch (SocketException) { }
        }
        return ServFail(query);
    }

    private static async Task<byte[]?> OverUdp(IPEndPoint upstream, byte[] query, CancellationToken ct)
    {
        using var s = new Socket(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await s.ConnectAsync(upstream, ct);
        await s.SendAsync(query, SocketFlags.None, ct);
        var buf = new byte[65535];
        while (true)
        {
            int n = await s.ReceiveAsync(buf, SocketFlags.None, ct);
            // Only the reply to this query (same id) counts; anything else is ignored.
            if (n >= 12 && buf[0] == query[0] && buf[1] == query[1]) return buf[..n];
        }
    }

    private static async Task<byte[]?> OverTcp(IPEndPoint upstream, byte[] query, CancellationToken ct)
    {
        using var s = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(upstream, ct);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await s.SendAsync(framed, SocketFlags.None, ct);
        var len = new byte[2];
        if (!await DnsTcp.ReadExactly(s, len, ct)) return null;
        var reply = new byte[BinaryPrimitives.ReadUInt16BigEndian(len)];
        return await DnsTcp.ReadExactly(s, reply, ct) ? reply : null;
    }

    internal static byte[] ServFail(byte[] query)
    {
        var r = new byte[12];
        if (query.Length >= 3) { r[0] = query[0]; r[1] = query[1]; r[2] = (byte)(0x80 | (query[2] & 0x79)); }
        r[3] = 0x80 | 2;
        return r;
    }
}
