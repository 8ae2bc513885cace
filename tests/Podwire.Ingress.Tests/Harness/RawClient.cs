using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Podwire.Ingress.Tests.Harness;

/// <summary>
/// A client writing exact bytes to the proxy on 127.0.0.1 and reading what comes back, for
/// requests no HTTP library would send. Every read is bounded (a hang fails, it never blocks CI).
/// </summary>
public sealed class RawClient : IDisposable
{
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(20);
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly List<byte> _pending = [];

    private RawClient() { }

    public static async Task<RawClient> ConnectAsync(int port)
    {
        var c = new RawClient();
        await c._socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return c;
    }

    public Task SendAsync(string latin1) => SendAsync(Encoding.Latin1.GetBytes(latin1));

    public async Task SendAsync(byte[] bytes)
    {
        try { await _socket.SendAsync(bytes, SocketFlags.None); }
        catch (SocketException) { } // the proxy may have closed already; what it answered is still read
    }

    /// <summary>Sends FIN: the proxy answers what it has and then closes, so reading to the end cannot wait forever.</summary>
    public void ShutdownSend()
    {
        try { _socket.Shutdown(SocketShutdown.Send); } catch (SocketException) { }
    }

    /// <summary>One response: status, headers (lower-case names, in order) and body; null when the connection ended first.</summary>
    public async Task<Response?> ReadResponseAsync(bool headRequest = false)
    {
        using var cts = new CancellationTokenSource(HangBound);
        int end;
        while ((end = IndexOf("\r\n\r\n"u8)) < 0)
            if (!await FillAsync(cts.Token)) return null;
        var head = Encoding.Latin1.GetString([.. _pending.GetRange(0, end)]);
        _pending.RemoveRange(0, end + 4);
        var lines = head.Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1]);
        var headers = lines.Skip(1).Select(l => (Name: l[..l.IndexOf(':')].ToLowerInvariant(), Value: l[(l.IndexOf(':') + 1)..].Trim())).ToList();
        byte[] body = [];
        var length = headers.FirstOrDefault(h => h.Name == "content-length").Value;
        bool chunked = headers.Any(h => h.Name == "transfer-encoding");
        if (headRequest || status is 204 or 304 || status < 200) { }
        else if (length is not null)
        {
            int n = int.Parse(length);
            while (_pending.Count < n)
                if (!await FillAsync(cts.Token)) return null;
            body = [.. _pending.GetRange(0, n)];
            _pending.RemoveRange(0, n);
        }
        else if (chunked)
        {
            var data = new List<byte>();
            while (true)
            {
                int eol;
                while ((eol = IndexOf("\r\n"u8)) < 0)
                    if (!await FillAsync(cts.Token)) return null;
                int size = Convert.ToInt32(Encoding.ASCII.GetString([.. _pending.GetRange(0, eol)]).Split(';')[0], 16);
                while (_pending.Count < eol + 2 + size + 2)
                    if (!await FillAsync(cts.Token)) return null;
                data.AddRange(_pending.GetRange(eol + 2, size));
                _pending.RemoveRange(0, eol + 2 + size + 2);
                if (size == 0) break;
            }
            body = [.. data];
        }
        else
        {
            while (await FillAsync(cts.Token)) { }
            body = [.. _pending];
            _pending.Clear();
        }
        return new Response(status, headers, body);
    }

    /// <summary>Whether the proxy closed the connection (within the hang bound) after what was already read.</summary>
    public async Task<bool> ClosedAsync()
    {
        using var cts = new CancellationTokenSource(HangBound);
        try
        {
            while (await FillAsync(cts.Token)) { }
            return true;
        }
        catch (OperationCanceledException) { return false; }
    }

    private async Task<bool> FillAsync(CancellationToken token)
    {
        var buffer = new byte[64 * 1024];
        int r;
        try { r = await _socket.ReceiveAsync(buffer, SocketFlags.None, token); }
        catch (SocketException) { return false; }
        if (r == 0) return false;
        _pending.AddRange(buffer.AsSpan(0, r));
        return true;
    }

    private int IndexOf(ReadOnlySpan<byte> needle) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending).IndexOf(needle);

    public void Dispose() => _socket.Dispose();

    public sealed record Response(int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
    {
        public string Text => Encoding.Latin1.GetString(Body);
        public string? Header(string name) => Headers.FirstOrDefault(h => h.Name == name).Value;
    }

    /// <summary>Sends one request on a new connection and reads one response.</summary>
    public static async Task<Response?> OnceAsync(int port, string request, bool headRequest = false)
    {
        using var c = await ConnectAsync(port);
        await c.SendAsync(request);
        return await c.ReadResponseAsync(headRequest);
    }
}
