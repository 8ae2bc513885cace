using System.Buffers.Binary;
using System.Net.Sockets;

namespace Podwire.Dns;

/// <summary>DNS over TCP (RFC 7766): 2-byte length-prefixed messages, several per connection.</summary>
internal static class DnsTcp
{
    public static async Task<bool> ReadExactly(Socket s, Memory<byte> buffer, CancellationToken ct)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await s.ReceiveAsync(buffer[read..], SocketFlags.None, ct);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    /// <summary>Answers queries on one connection until the client closes it or stays idle too long.</summary>
    public static async Task Serve(Socket s, DnsServer server, CancellationToken stopping)
    {
        using var _ = s;
        var len = new byte[2];
        var query = new byte[65535];
        var reply = new byte[65535 + 2];
        try
        {
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                idle.CancelAfter(server.Options.TcpIdleTimeout);
                if (!await ReadExactly(s, len, idle.Token)) return;
                int n = BinaryPrimitives.ReadUInt16BigEndian(len);
                if (n == 0 || !await ReadExactly(s, query.AsMemory(0, n), idle.Token)) return;

                int m = DnsResponder.Answer(server.Snapshot, query.AsSpan(0, n), reply.AsSpan(2, 65535), udp: false, server.Forwarder.Enabled, out var what);
                if (what == DnsDisposition.Drop) return;
                if (what == DnsDisposition.Forward)
                {
                    var forwarded = await server.Forwarder.ForwardAsync(query.AsSpan(0, n).ToArray(), tcp: true, stopping);
                    forwarded.CopyTo(reply, 2);
                    m = forwarded.Length;
                }
                BinaryPrimitives.WriteUInt16BigEndian(reply, (ushort)m);
                await s.SendAsync(reply.AsMemory(0, m + 2), SocketFlags.None, stopping);
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
    }
}
