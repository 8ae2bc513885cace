using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Podwire.Lab.Daemon;

/// <summary>
/// The daemon's API: newline-delimited JSON over a Unix socket in the lab's state folder. A
/// request is one object with "op"; the answer is zero or more {"progress": "..."} lines and one
/// final line, {"ok": true, ...} or {"error": "..."}.
/// </summary>
public static class LabProtocol
{
    public static string Message(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static string Progress(string text) => Message(w => w.WriteString("progress", text));
    public static string Error(string text) => Message(w => w.WriteString("error", text));
}

/// <summary>The CLI's side of the daemon API.</summary>
public sealed class LabClient(string socketPath)
{
    public bool TryConnect(out Socket socket)
    {
        socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return false;
        }
    }

    /// <summary>Sends one request; calls <paramref name="onProgress"/> per progress line; returns the final object.</summary>
    public JsonElement Call(string request, Action<string>? onProgress = null, TimeSpan? timeout = null)
    {
        if (!TryConnect(out var s)) throw new IOException($"the lab daemon is not answering on {socketPath}");
        using var socket = s;
        socket.ReceiveTimeout = (int)(timeout ?? TimeSpan.FromMinutes(10)).TotalMilliseconds;
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var bytes = Encoding.UTF8.GetBytes(request + "\n");
        stream.Write(bytes);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("progress", out var p)) { onProgress?.Invoke(p.GetString()!); continue; }
            return doc.RootElement.Clone();
        }
        throw new IOException("the lab daemon closed the connection without an answer");
    }
}
