using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Podwire.Datapath;
using Podwire.Proxy;

namespace Podwire.Lab.Dataplane;

/// <summary>
/// kube-proxy's health-check NodePorts (pkg/proxy/healthcheck/service_health.go): for each
/// LoadBalancer Service with externalTrafficPolicy Local, an HTTP listener on the node's
/// healthCheckNodePort answering <c>{"service":{"namespace","name"},"localEndpoints":N,
/// "serviceProxyHealthy":true}</c> with 200 when N &gt; 0, else 503, so a load balancer sends only
/// to nodes with a local endpoint. Sockets are opened inside each node's namespace (Netns.RunIn)
/// and served by this process; the answer is swapped on every sync without reopening.
/// </summary>
public sealed class ServiceProxyHealth : IDisposable
{
    private sealed class Listener(Socket socket, HealthCheck check)
    {
        public Socket Socket { get; } = socket;
        public volatile HealthCheck Check = check;
    }

    private readonly Dictionary<(string Netns, int Port), Listener> _listeners = [];
    private readonly TextWriter _log;

    public ServiceProxyHealth(TextWriter log) => _log = log;

    /// <summary>Opens, updates and closes listeners so that exactly <paramref name="wanted"/> are served.</summary>
    public void Sync(IReadOnlyList<(string Netns, HealthCheck Check)> wanted)
    {
        var keep = new HashSet<(string, int)>();
        foreach (var (netns, check) in wanted)
        {
            var key = (netns, check.Port);
            keep.Add(key);
            if (_listeners.TryGetValue(key, out var existing)) { existing.Check = check; continue; }
            try
            {
                var socket = Netns.RunIn(netns, () =>
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    s.Bind(new IPEndPoint(IPAddress.Any, check.Port));
                    s.Listen(64);
                    return s;
                });
                var l = new Listener(socket, check);
                _listeners[key] = l;
                _ = Task.Run(() => AcceptLoop(l));
            }
            catch (Exception e) when (e is DatapathException or SocketException)
            {
                _log.WriteLine($"service-proxy: health check {check.Namespace}/{check.Name} port {check.Port} in {netns}: {e.Message}");
            }
        }
        foreach (var key in _listeners.Keys.ToList())
            if (!keep.Contains(key)) { _listeners[key].Socket.Dispose(); _listeners.Remove(key); }
    }

    private static async Task AcceptLoop(Listener l)
    {
        while (true)
        {
            Socket client;
            try { client = await l.Socket.AcceptAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => Answer(client, l.Check));
        }
    }

    private static async Task Answer(Socket client, HealthCheck check)
    {
        using (client)
        {
            try
            {
                // Read the request head (any path answers, as kube-proxy's does), then reply and close.
                var buf = new byte[4096];
                int n = 0;
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                while (n < buf.Length)
                {
                    int r = await client.ReceiveAsync(buf.AsMemory(n), SocketFlags.None, cts.Token).ConfigureAwait(false);
                    if (r == 0) break;
                    n += r;
                    if (Encoding.ASCII.GetString(buf, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal)) break;
                }
                var body = Body(check);
                var status = check.LocalEndpoints > 0 ? "200 OK" : "503 Service Unavailable";
                var head = $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await client.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None).ConfigureAwait(false);
                await client.SendAsync(body, SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
        }
    }

    public static byte[] Body(HealthCheck check)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartObject("service");
            w.WriteString("namespace", check.Namespace);
            w.WriteString("name", check.Name);
            w.WriteEndObject();
            w.WriteNumber("localEndpoints", check.LocalEndpoints);
            w.WriteBoolean("serviceProxyHealthy", true);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    public void Dispose()
    {
        foreach (var l in _listeners.Values) l.Socket.Dispose();
        _listeners.Clear();
    }
}
