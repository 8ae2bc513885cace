using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Podwire.Ingress.Tests.Harness;

/// <summary>
/// A backend speaking hand-written HTTP/1.1 bytes, for framing cases a real server would not
/// produce on demand: a script per path returns the exact response bytes, written in pieces
/// (to exercise incremental parsing) and optionally followed by closing the connection. It
/// records every request head it received and how many connections were opened to it.
/// </summary>
public sealed class RawBackend : IAsyncDisposable
{
    /// <summary>What to answer: the bytes, the size of the pieces they are written in (0 = at once), and whether to close afterwards.</summary>
    /// <summary>What to answer: the bytes, the size of the pieces they are written in (0 = at once), and whether to close afterwards; <paramref name="Extra"/> is written by a second send (bytes no request asked for).</summary>
    public sealed record Reply(byte[] Bytes, int Piece = 0, bool Close = false, bool CloseWithoutAnswer = false, byte[]? Extra = null);

    /// <summary>One request as it arrived: the head (request line and headers) and the body.</summary>
    public sealed record Received(string Head, byte[] Body);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, string, byte[], Reply> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _heads = [];
    private readonly List<Received> _requests = [];
    private int _connections;
    private int _replies;

    public RawBackend(Func<string, string, byte[], Reply> script)
    {
        _script = script;
        _listener.Start();
        _ = AcceptLoop();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref _connections);
    public IReadOnlyList<string> Heads { get { lock (_heads) return [.. _heads]; } }
    public IReadOnlyList<Received> Requests { get { lock (_heads) return [.. _requests]; } }
    /// <summary>Replies written completely (Extra included): on loopback they are then in the proxy's socket.</summary>
    public int Replies => Volatile.Read(ref _replies);

    /// <summary>Waits (bounded: a hang fails the test) until <paramref name="count"/> replies were written.</summary>
    public async Task WaitForRepliesAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Replies < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"backend wrote {Replies} replies, expected {count}");
            await Task.Delay(10);
        }
    }

    public static Reply Text(string response, int piece = 0, bool close = false) => new(Encoding.ASCII.GetBytes(response), piece, close);

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try { s = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _connections);
            _ = Serve(s);
        }
    }

    private async Task Serve(Socket s)
    {
        using var _ = s;
        // Each send goes out at once (no Nagle wait for an ACK): once Replies counts it, it is in the proxy's socket.
        s.NoDelay = true;
        var buffer = new byte[256 * 1024];
        int have = 0;
        try
        {
            while (true)
            {
                int end;
                while ((end = buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8)) < 0)
                {
                    int r = await s.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, _stop.Token);
                    if (r == 0) return;
                    have += r;
                }
                string head = Encoding.ASCII.GetString(buffer, 0, end + 4);
                lock (_heads) _heads.Add(head);
                var requestLine = head[..head.IndexOf('\r')].Split(' ');
                long length = 0;
                foreach (var line in head.Split("\r\n"))
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = long.Parse(line[15..].Trim());
                int consumed = end + 4;
                byte[] body;
                if (head.Contains("\r\nTransfer-Encoding: chunked\r\n", StringComparison.OrdinalIgnoreCase))
                {
                    // YARP forwards a chunked request body chunked: decode it (sizes and data; no trailers are sent).
                    var data = new MemoryStream();
                    while (true)
                    {
                        int eol;
                        while ((eol = buffer.AsSpan(consumed, have - consumed).IndexOf("\r\n"u8)) < 0)
                        {
                            int r = await s.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, _stop.Token);
                            if (r == 0) return;
                            have += r;
                        }
                        int size = Convert.ToInt32(Encoding.ASCII.GetString(buffer, consumed, eol).Split(';')[0], 16);
                        int need = eol + 2 + size + 2;
                        while (have - consumed < need)
                        {
                            int r = await s.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, _stop.Token);
                            if (r == 0) return;
                            have += r;
                        }
                        data.Write(buffer, consumed + eol + 2, size);
                        consumed += need;
                        if (size == 0) break;
                    }
                    body = data.ToArray();
                    length = 0;
                }
                else
                {
                    while (have - consumed < length)
                    {
                        int r = await s.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, _stop.Token);
                        if (r == 0) return;
                        have += r;
                    }
                    body = buffer.AsSpan(consumed, (int)length).ToArray();
                }
                lock (_heads) _requests.Add(new Received(head, body));
                consumed += (int)length;
                buffer.AsSpan(consumed, have - consumed).CopyTo(buffer);
                have -= consumed;

                var reply = _script(requestLine[0], requestLine[1], body);
                if (reply.CloseWithoutAnswer) return;
                if (reply.Piece <= 0) await s.SendAsync(reply.Bytes, SocketFlags.None);
                else
                    for (int i = 0; i < reply.Bytes.Length; i += reply.Piece)
                    {
                        await s.SendAsync(reply.Bytes.AsMemory(i, Math.Min(reply.Piece, reply.Bytes.Length - i)), SocketFlags.None);
                        await Task.Delay(1);
                    }
                if (reply.Extra is { } extra) await s.SendAsync(extra, SocketFlags.None);
                await AckedAsync(s);
                Interlocked.Increment(ref _replies);
                if (reply.Close) { s.Shutdown(SocketShutdown.Both); return; }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int ioctl(IntPtr fd, ulong request, out int value);

    /// <summary>
    /// Waits (bounded) until the proxy's kernel has acknowledged every byte sent (SIOCOUTQ = 0):
    /// they are then in the proxy's socket, where its pool's poll must see them, even when this
    /// machine is loaded enough to delay loopback delivery.
    /// </summary>
    private static async Task AckedAsync(Socket s)
    {
        const ulong SIOCOUTQ = 0x5411;
        for (int i = 0; i < 500; i++)
        {
            if (ioctl(s.Handle, SIOCOUTQ, out int unacked) != 0 || unacked == 0) return;
            await Task.Delay(10);
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }
}
