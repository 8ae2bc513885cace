using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Podwire.Lab.Daemon;

/// <summary>
/// The daemon's API: newline-delimited JSON over a Unix socket in the lab's state folder. A
/// request is one object with "op"; the answer is zero or more {"progress": "..."} lines and one
/// final line, {"ok": true, ...} or {"error": "..."}. Requests and replies are the types below;
/// the JSON is written and read by hand (NativeAOT, no reflection) in one place, here.
/// </summary>
public abstract record LabRequest(string Op)
{
    public sealed record WaitReady() : LabRequest("wait-ready");
    public sealed record Status() : LabRequest("status");
    /// <param name="Staged">The folder the CLI staged the new manifests in, inside the lab's state folder (one per apply).</param>
    /// <param name="Nodes">A new count of generated nodes (<c>apply --nodes N</c>): nodes join or leave.</param>
    public sealed record Apply(string Staged, int? Nodes = null) : LabRequest("apply");
    public sealed record Shutdown() : LabRequest("shutdown");

    public string ToJson() => LabProtocol.Message(w =>
    {
        w.WriteString("op", Op);
        if (this is Apply a)
        {
            w.WriteString("staged", a.Staged);
            if (a.Nodes is int n) w.WriteNumber("nodes", n);
        }
    });

    /// <summary>The request on one line, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static LabRequest? Parse(string line, out string? error)
    {
        error = null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var op = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("op", out var o) && o.ValueKind == JsonValueKind.String
                ? o.GetString() : null;
            switch (op)
            {
                case "wait-ready": return new WaitReady();
                case "status": return new Status();
                case "apply":
                    if (doc.RootElement.TryGetProperty("staged", out var st) && st.ValueKind == JsonValueKind.String)
                        return new Apply(st.GetString()!, doc.RootElement.TryGetProperty("nodes", out var n) && n.TryGetInt32(out var count) ? count : null);
                    error = "apply needs \"staged\", the folder of the new manifests";
                    return null;
                case "shutdown": return new Shutdown();
                case null: error = "request has no \"op\""; return null;
                default: error = $"unknown op {op}"; return null;
            }
        }
        catch (JsonException e)
        {
            error = $"request is not JSON: {e.Message}";
            return null;
        }
    }
}

/// <summary>An agent's line in <see cref="StatusReply"/>.</summary>
public sealed record AgentReply(string Name, string Node, string Health, int Restarts, string? LastError);

/// <summary>What <c>status</c> (and a finished <c>wait-ready</c>) answers.</summary>
public sealed record StatusReply(bool Ok, string Phase, string? Error, string Cluster, string Backend, string Cni, int Pid,
    double UptimeSeconds, int Nodes, int Pods, int Processes, long MemoryBytes, IReadOnlyList<AgentReply> Agents)
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteBoolean("ok", Ok);
        w.WriteString("phase", Phase);
        if (Error is not null) w.WriteString("error", Error);
        w.WriteString("cluster", Cluster);
        w.WriteString("backend", Backend);
        w.WriteString("cni", Cni);
        w.WriteNumber("pid", Pid);
        w.WriteNumber("uptimeSeconds", UptimeSeconds);
        w.WriteNumber("nodes", Nodes);
        w.WriteNumber("pods", Pods);
        w.WriteNumber("processes", Processes);
        w.WriteNumber("memoryBytes", MemoryBytes);
        if (Agents.Count == 0) return;
        w.WriteStartArray("agents");
        foreach (var a in Agents)
        {
            w.WriteStartObject();
            w.WriteString("name", a.Name);
            w.WriteString("node", a.Node);
            w.WriteString("health", a.Health);
            w.WriteNumber("restarts", a.Restarts);
            if (a.LastError is not null) w.WriteString("lastError", a.LastError);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static StatusReply Read(JsonElement e)
    {
        var agents = new List<AgentReply>();
        if (e.TryGetProperty("agents", out var list))
            foreach (var a in list.EnumerateArray())
                agents.Add(new AgentReply(a.GetProperty("name").GetString()!, a.GetProperty("node").GetString()!, a.GetProperty("health").GetString()!,
                    a.GetProperty("restarts").GetInt32(), a.TryGetProperty("lastError", out var le) ? le.GetString() : null));
        return new StatusReply(e.GetProperty("ok").GetBoolean(), e.GetProperty("phase").GetString()!,
            e.TryGetProperty("error", out var err) ? err.GetString() : null, e.GetProperty("cluster").GetString()!,
            e.GetProperty("backend").GetString()!, e.GetProperty("cni").GetString()!, e.GetProperty("pid").GetInt32(),
            e.GetProperty("uptimeSeconds").GetDouble(), e.GetProperty("nodes").GetInt32(), e.GetProperty("pods").GetInt32(),
            e.GetProperty("processes").GetInt32(), e.GetProperty("memoryBytes").GetInt64(), agents);
    }
}

/// <summary>What a successful <c>apply</c> answers.</summary>
public sealed record ApplyReply(int Added, int Removed, int Pods, int NodesAdded, int NodesRemoved)
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteBoolean("ok", true);
        w.WriteNumber("added", Added);
        w.WriteNumber("removed", Removed);
        w.WriteNumber("pods", Pods);
        w.WriteNumber("nodesAdded", NodesAdded);
        w.WriteNumber("nodesRemoved", NodesRemoved);
    }

    public static ApplyReply Read(JsonElement e) => new(e.GetProperty("added").GetInt32(), e.GetProperty("removed").GetInt32(),
        e.GetProperty("pods").GetInt32(), e.TryGetProperty("nodesAdded", out var a) ? a.GetInt32() : 0,
        e.TryGetProperty("nodesRemoved", out var r) ? r.GetInt32() : 0);
}

/// <summary>A request's final answer: a reply of its type, or an error.</summary>
public readonly record struct LabAnswer(JsonElement Body)
{
    public string? Error => Body.TryGetProperty("error", out var e) ? e.GetString() : null;

    /// <summary>The problems of input that did not validate (empty for other errors).</summary>
    public IReadOnlyList<string> Problems => Body.TryGetProperty("problems", out var p) ? [.. p.EnumerateArray().Select(x => x.GetString()!)] : [];
}

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

    /// <summary>An error for input that does not validate: the summary, and every problem (file, object, field).</summary>
    public static string Invalid(string text, IReadOnlyList<string> problems) => Message(w =>
    {
        w.WriteString("error", text);
        w.WriteStartArray("problems");
        foreach (var p in problems) w.WriteStringValue(p);
        w.WriteEndArray();
    });
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

    /// <summary>
    /// Sends one request; calls <paramref name="onProgress"/> per progress line; returns the final
    /// answer. Every way of failing is an <see cref="IOException"/> with a sentence saying what failed.
    /// </summary>
    public LabAnswer Call(LabRequest request, Action<string>? onProgress = null, TimeSpan? timeout = null)
    {
        if (!TryConnect(out var s)) throw new IOException($"the lab daemon is not answering on {socketPath}");
        using var socket = s;
        socket.ReceiveTimeout = (int)(timeout ?? TimeSpan.FromMinutes(10)).TotalMilliseconds;
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: false);
            stream.Write(Encoding.UTF8.GetBytes(request.ToJson() + "\n"));
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (reader.ReadLine() is { } line)
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("progress", out var p)) { onProgress?.Invoke(p.GetString()!); continue; }
                return new LabAnswer(doc.RootElement.Clone());
            }
        }
        catch (JsonException e) { throw new IOException($"the lab daemon sent something that is not JSON ({e.Message})"); }
        catch (SocketException e) { throw new IOException($"the connection to the lab daemon failed: {e.Message}"); }
        throw new IOException($"the lab daemon closed the connection without an answer to \"{request.Op}\" (see its log next to {socketPath})");
    }
}
