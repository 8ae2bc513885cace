using System.Net.Sockets;
using System.Text;

namespace Podwire.Ingress.Forwarding;

/// <summary>
/// One keep-alive HTTP/1.1 connection to a backend: the socket, one buffer used first for the
/// request head and then for the response, and small caches that turn a response's header
/// names and values back into the strings the previous response on this connection had (a
/// backend repeats the same headers in the same order, so steady-state forwarding allocates
/// no header strings).
/// </summary>
internal sealed class UpstreamConnection
{
    public const int BufferSize = 16 * 1024;
    private const int CachedHeaders = 24;

    private readonly CachedString[] _names = new CachedString[CachedHeaders];
    private readonly CachedString[] _values = new CachedString[CachedHeaders];
    private int _closed;

    public UpstreamConnection(Socket socket, UpstreamPool pool)
    {
        Socket = socket;
        Pool = pool;
    }

    public Socket Socket { get; }
    public UpstreamPool Pool { get; }
    public byte[] Buffer { get; } = new byte[BufferSize];
    /// <summary>Where the current response's header lines sit in <see cref="Buffer"/>.</summary>
    public HeaderSlice[] Slices { get; } = new HeaderSlice[ResponseHead.MaxHeaders];
    /// <summary>Requests completed on this connection: a reused one may have been closed by the backend while idle.</summary>
    public int Uses { get; set; }
    /// <summary>When the last I/O was started (Environment.TickCount64); the pool's sweep closes stuck and idle connections.</summary>
    public long LastActivity { get; set; } = Environment.TickCount64;
    public bool Busy { get; set; }
    /// <summary>Set when the sweep closed it for making no progress: the client gets 504, not 502.</summary>
    public bool TimedOut { get; set; }
    /// <summary>Scratch for the forwarder: the header names already set on the response being written.</summary>
    public string?[] SetNames { get; } = new string?[ResponseHead.MaxHeaders];
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Closes the socket; any pending send or receive then fails.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        Socket.Dispose();
        Pool.Forget(this);
    }

    public string Name(int index, ReadOnlySpan<byte> bytes)
    {
        if (index >= CachedHeaders) return KnownHeaders.Name(bytes) ?? Encoding.ASCII.GetString(bytes);
        ref var c = ref _names[index];
        if (c.Matches(bytes)) return c.Text!;
        return c.Set(bytes, KnownHeaders.Name(bytes));
    }

    public string Value(int index, ReadOnlySpan<byte> bytes)
    {
        if (index >= CachedHeaders) return Encoding.ASCII.GetString(bytes);
        ref var c = ref _values[index];
        if (c.Matches(bytes)) return c.Text!;
        return c.Set(bytes, null);
    }

    private struct CachedString
    {
        private byte[]? _bytes;
        private int _length;
        public string? Text;

        public readonly bool Matches(ReadOnlySpan<byte> bytes) => Text is not null && bytes.SequenceEqual(_bytes.AsSpan(0, _length));

        public string Set(ReadOnlySpan<byte> bytes, string? known)
        {
            if (_bytes is null || _bytes.Length < bytes.Length) _bytes = new byte[Math.Max(32, bytes.Length)];
            bytes.CopyTo(_bytes);
            _length = bytes.Length;
            return Text = known ?? Encoding.ASCII.GetString(bytes);
        }
    }
}
