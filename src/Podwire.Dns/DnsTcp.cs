using System.Buffers;
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

    /// <summary>
    /// Answers queries on one connection until the client closes it, stays idle too long, stalls
    /// mid-message or stops reading (each read and write gets <see cref="DnsServerOptions.TcpIdleTimeout"/>).
    /// </summary>
    /// <remarks>Buffers are rented per message, so an idle connection holds two bytes, not 128 KiB.</remarks>
    public static async Task Serve(Socket s, DnsServer server, CancellationToken stopping)
    {
        var len = new byte[2];
        try
        {
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                idle.CancelAfter(server.Options.TcpIdleTimeout);
                if (!await ReadExactly(s, len, idle.Token)) return;
                int n = BinaryPrimitives.ReadUInt16BigEndian(len);
                if (n == 0) return;
                idle.CancelAfter(server.Options.TcpIdleTimeout);
                if (!await Exchange(s, server, n, idle.Token, stopping)) return;
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        catch (ObjectDisposedException) { } // the server is stopping
        finally
        {
            server.TcpClosed();
            s.Dispose();
        }
    }

    // One message: false when the connection is to be closed.
    private static async Task<bool> Exchange(Socket s, DnsServer server, int n, CancellationToken idle, CancellationToken stopping)
    {
        var query = ArrayPool<byte>.Shared.Rent(n);
        var reply = ArrayPool<byte>.Shared.Rent(65535 + 2);
        try
        {
            if (!await ReadExactly(s, query.AsMemory(0, n), idle)) return false;
            int m = DnsResponder.Answer(server.Snapshot, query.AsSpan(0, n), reply.AsSpan(2, 65535), udp: false, server.Forwarder.Enabled, out var what);
            if (what == DnsDisposition.Drop) return false;
            if (what == DnsDisposition.Forward)
            {
                var forwarded = await server.Forwarder.ForwardAsync(query.AsSpan(0, n).ToArray(), tcp: true, stopping);
                forwarded.CopyTo(reply, 2);
                m = forwarded.Length;
            }
            BinaryPrimitives.WriteUInt16BigEndian(reply, (ushort)m);
            // A client that never reads would otherwise park this send forever once its window fills.
            await s.SendAsync(reply.AsMemory(0, m + 2), SocketFlags.None, idle);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(query);
            ArrayPool<byte>.Shared.Return(reply);
        }
    }
}
