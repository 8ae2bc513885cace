using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Podwire.Datapath;
using Podwire.Lab.Probe;
using Podwire.Model;
using Xunit.Abstractions;

namespace Podwire.Lab.Tests.Probe;

/// <summary>The probe server against the real kernel: a pod in one namespace, clients in another.</summary>
public sealed class ProbeServerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private const string Url = "http://" + ProbeNetwork.ServerIp + ":8080";

    private static ProbeTarget Pod(string netns) =>
        new("prod", "web-1", netns, [(8080, Protocol.TCP), (8081, Protocol.UDP), (8082, Protocol.SCTP), (8080, Protocol.TCP)]);

    private static string Curl(string netns, params string[] args)
    {
        var r = ProbeNetwork.Exec(netns, "curl", ["-s", "--max-time", "3", .. args]);
        Assert.True(r.Ok, $"curl {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}");
        return r.Stdout;
    }

    [RootFact]
    public async Task Serves_hostname_clientip_and_json_over_http()
    {
        using var net = new ProbeNetwork();
        var log = new StringWriter();
        await using var server = new ProbeServer(log);
        var result = server.AddPod(Pod(net.Server));
        // SCTP is served by a kernel socket or, without SCTP in the kernel (the lab machines), by the raw responder.
        Assert.Equal([(8080, Protocol.TCP), (8081, Protocol.UDP), (8082, Protocol.SCTP)], result.Listening);
        Assert.Equal(1, server.PodCount);
        Assert.Equal(3, server.ListenerCount);
        Assert.Empty(result.Skipped);

        Assert.Equal("web-1", Curl(net.Client, Url + "/hostname"));
        var clientIp = Curl(net.Client, Url + "/clientip");
        Assert.StartsWith(ProbeNetwork.ClientIp + ":", clientIp);
        Assert.True(int.Parse(clientIp[(ProbeNetwork.ClientIp.Length + 1)..]) > 0);

        var json = Curl(net.Client, "-H", "Host: web.prod.svc", Url + "/some/path?q=1");
        Assert.Equal("{\"pod\":\"web-1\",\"namespace\":\"prod\",\"path\":\"/some/path\",\"host\":\"web.prod.svc\",\"clientIP\":\"10.250.0.2\"}", json);
        using (var doc = JsonDocument.Parse(json))
            Assert.Equal("10.250.0.2", doc.RootElement.GetProperty("clientIP").GetString());

        var headers = Curl(net.Client, "-I", Url + "/hostname");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", headers);
        Assert.Contains("Content-Length: 5\r\n", headers);
        Assert.EndsWith("\r\n\r\n", headers);
        output.WriteLine(log.ToString());
    }

    [RootFact]
    public async Task Serves_ipv6_clients_on_the_same_socket()
    {
        using var net = new ProbeNetwork();
        ProbeNetwork.Ip("-n", net.Server, "addr", "add", "fd00:250::1/64", "dev", net.ServerLink, "nodad");
        ProbeNetwork.Ip("-n", net.Client, "addr", "add", "fd00:250::2/64", "dev", net.ClientLink, "nodad");
        await using var server = new ProbeServer();
        server.AddPod(Pod(net.Server));
        Assert.Equal(3, server.ListenerCount); // one dual-stack socket per port serves both families
        Assert.StartsWith("[fd00:250::2]:", Curl(net.Client, "-g", "http://[fd00:250::1]:8080/clientip"));
        Assert.EndsWith("\"clientIP\":\"fd00:250::2\"}", Curl(net.Client, "-g", "http://[fd00:250::1]:8080/x"));
        Assert.Equal("web-1", (await ProbeClient.UdpAsync(net.Client, "fd00:250::1", 8081, "hostname", Timeout)).Body);
        Assert.Equal("web-1", (await ProbeClient.HttpAsync(net.Client, "fd00:250::1", 8080, "/hostname", Timeout)).Body);
        Assert.True((await ProbeClient.SctpAsync(net.Client, "fd00:250::1", 8082, Timeout)).Ok);
        Assert.Equal(ProbeFailure.Refused, (await ProbeClient.SctpAsync(net.Client, "fd00:250::1", 9, Timeout)).Failure);
    }

    [RootFact]
    public async Task Keeps_a_connection_alive_across_requests()
    {
        using var net = new ProbeNetwork();
        await using var server = new ProbeServer();
        server.AddPod(Pod(net.Server));
        // Two requests in one curl call: the same client port on both proves one connection.
        var both = Curl(net.Client, "-w", "\\n", Url + "/clientip", Url + "/clientip").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, both.Length);
        Assert.Equal(both[0], both[1]);

        // A raw exchange: two requests on one socket, the second asks to close.
        using var s = ConnectFrom(net.Client, 8080);
        Send(s, "GET /hostname HTTP/1.1\r\nHost: x\r\n\r\n");
        var first = ReadResponse(s);
        Assert.EndsWith("\r\n\r\nweb-1", first);
        Assert.DoesNotContain("Connection: close", first);
        Send(s, "POST /hostname HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody");
        var rest = ReadToEnd(s); // returns only because the server closes
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", rest);
        Assert.Contains("\r\nConnection: close\r\n", rest);
        Assert.EndsWith("\r\n\r\nweb-1", rest);
    }

    [RootFact]
    public async Task Answers_garbage_with_400_and_closes()
    {
        using var net = new ProbeNetwork();
        await using var server = new ProbeServer();
        server.AddPod(Pod(net.Server));
        using var s = ConnectFrom(net.Client, 8080);
        Send(s, "this is not http\r\n\r\n");
        var answer = ReadToEnd(s);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer);
        Assert.Contains("\r\nConnection: close\r\n", answer);
        // HTTP/1.0 without keep-alive closes after the answer too.
        using var s10 = ConnectFrom(net.Client, 8080);
        Send(s10, "GET /hostname HTTP/1.0\r\n\r\n");
        Assert.EndsWith("\r\n\r\nweb-1", ReadToEnd(s10));
    }

    [RootFact]
    public async Task Udp_answers_hostname_and_echoes()
    {
        using var net = new ProbeNetwork();
        await using var server = new ProbeServer();
        server.AddPod(Pod(net.Server));
        Assert.Equal(new ProbeResult(ProbeFailure.None, 0, "web-1", ""), await ProbeClient.UdpAsync(net.Client, ProbeNetwork.ServerIp, 8081, "hostname\n", Timeout));
        Assert.Equal("ping 123", (await ProbeClient.UdpAsync(net.Client, ProbeNetwork.ServerIp, 8081, "ping 123", Timeout)).Body);
        // And from a real client outside this process.
        var py = ProbeNetwork.Exec(net.Client, "python3", "-c",
            "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(3);" +
            "s.sendto(b'hostname',('10.250.0.1',8081));print(s.recv(100).decode())");
        Assert.True(py.Ok, py.Stderr);
        Assert.Equal("web-1\n", py.Stdout);
    }

    [RootFact]
    public async Task Probe_client_reports_answers_and_failures()
    {
        using var net = new ProbeNetwork();
        await using var server = new ProbeServer();
        server.AddPod(Pod(net.Server));
        Assert.Equal(new ProbeResult(ProbeFailure.None, 200, "web-1", ""), ProbeClient.Http(net.Client, ProbeNetwork.ServerIp, 8080, "/hostname", Timeout));
        Assert.Equal(ProbeFailure.Refused, ProbeClient.Http(net.Client, ProbeNetwork.ServerIp, 9999, "/", Timeout).Failure);
        Assert.Equal(ProbeFailure.Refused, ProbeClient.Udp(net.Client, ProbeNetwork.ServerIp, 9999, "x", Timeout).Failure);
        // No route to this address from the client namespace.
        Assert.Equal(ProbeFailure.Unreachable, ProbeClient.Http(net.Client, "10.251.0.1", 80, "/", Timeout).Failure);
        // Dropped silently: a timeout.
        var dropped = ProcessRunner.Instance.Run("ip", ["netns", "exec", net.Server, "nft", "-f", "-"],
            "table inet pwtest {\n chain c_in {\n  type filter hook input priority 0;\n  tcp dport 8080 drop\n }\n}\n");
        Assert.True(dropped.Ok, dropped.Stderr);
        var sw = Stopwatch.StartNew();
        Assert.Equal(ProbeFailure.Timeout, ProbeClient.Http(net.Client, ProbeNetwork.ServerIp, 8080, "/", TimeSpan.FromMilliseconds(300)).Failure);
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.25, 2.5);
    }

    [RootFact]
    public async Task RemovePod_closes_listeners_and_connections()
    {
        using var net = new ProbeNetwork();
        var log = new StringWriter();
        await using var server = new ProbeServer(log);
        server.AddPod(Pod(net.Server));
        using var open = ConnectFrom(net.Client, 8080);
        Send(open, "GET /hostname HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.EndsWith("web-1", ReadResponse(open));

        Assert.True(server.RemovePod("prod", "web-1"));
        Assert.False(server.RemovePod("prod", "web-1"));
        Assert.Equal(0, server.ListenerCount);
        var curl = ProbeNetwork.Exec(net.Client, "curl", "-s", "--max-time", "3", Url + "/hostname");
        Assert.Equal(7, curl.ExitCode); // curl: failed to connect (refused)
        Assert.Equal(ProbeFailure.Refused, ProbeClient.Http(net.Client, ProbeNetwork.ServerIp, 8080, "/", Timeout).Failure);
        Assert.Equal(ProbeFailure.Refused, ProbeClient.Udp(net.Client, ProbeNetwork.ServerIp, 8081, "hostname", Timeout).Failure);
        // The kept-alive connection was closed by the server too.
        open.ReceiveTimeout = 3000;
        Assert.Equal("", ReadToEnd(open));

        // Added again at once, on the same ports.
        server.AddPod(Pod(net.Server) with { Name = "web-2" });
        Assert.Equal("web-2", Curl(net.Client, Url + "/hostname"));
        if (!SctpAvailable) Assert.Single(Regex.Matches(log.ToString(), "raw-socket responders answer SCTP"));
    }

    /// <summary>
    /// SCTP's first exchange through the real kernel: INIT ACK from a served port, ABORT from any
    /// other, silence once the pod is gone or a filter drops INIT. A client namespace that accepts
    /// only established traffic still gets the answers: conntrack takes them as replies, which it
    /// does only if the tags are those of a real association.
    /// </summary>
    [RootFact]
    public async Task Answers_sctp_init_with_init_ack_or_abort_through_conntrack()
    {
        using var net = new ProbeNetwork();
        await using var server = new ProbeServer(new StringWriter());
        server.AddPod(Pod(net.Server));
        var answered = await ProbeClient.SctpAsync(net.Client, ProbeNetwork.ServerIp, 8082, Timeout);
        Assert.True(answered.Ok, answered.Detail);
        Assert.Equal("web-1", answered.Body); // the responder names its pod in the state cookie
        Assert.Equal(ProbeFailure.Refused, (await ProbeClient.SctpAsync(net.Client, ProbeNetwork.ServerIp, 9, Timeout)).Failure);

        ProbeNetwork.Nft(net.Client, "add table inet t; add chain inet t in { type filter hook input priority 0; policy drop; }; " +
                                     "add rule inet t in ct state established accept");
        Assert.True((await ProbeClient.SctpAsync(net.Client, ProbeNetwork.ServerIp, 8082, Timeout)).Ok);
        Assert.Equal(ProbeFailure.Refused, (await ProbeClient.SctpAsync(net.Client, ProbeNetwork.ServerIp, 9, Timeout)).Failure);

        ProbeNetwork.Nft(net.Server, "add table inet t; add chain inet t in { type filter hook input priority 0; }; add rule inet t in sctp dport 8082 drop");
        Assert.Equal(ProbeFailure.Timeout, (await ProbeClient.SctpAsync(net.Client, ProbeNetwork.ServerIp, 8082, TimeSpan.FromMilliseconds(300))).Failure);
        Assert.Equal(ProbeFailure.Refused, (await ProbeClient.SctpAsync(net.Client, ProbeNetwork.ServerIp, 9, Timeout)).Failure);

        Assert.True(server.RemovePod("prod", "web-1"));
        if (!SctpAvailable)
            Assert.Equal(ProbeFailure.Timeout, (await ProbeClient.SctpAsync(net.Client, ProbeNetwork.ServerIp, 9, TimeSpan.FromMilliseconds(300))).Failure);
    }

    [RootFact]
    public async Task Adds_two_hundred_pods_each_in_its_own_namespace()
    {
        const int pods = 200;
        var prefix = ProbeNetwork.UniquePrefix();
        var names = Enumerable.Range(0, pods).Select(i => $"{prefix}p{i}").ToList();
        var create = new IpBatch();
        foreach (var n in names) create.Add($"netns add {n}");
        try
        {
            create.Apply(ProcessRunner.Instance);
            var log = new StringWriter();
            await using var server = new ProbeServer(log);
            var memBefore = Process.GetCurrentProcess().WorkingSet64;
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < pods; i++)
                server.AddPod(new ProbeTarget("scale", $"pod-{i}", names[i], [(80, Protocol.TCP), (81, Protocol.UDP)]));
            sw.Stop();
            Assert.Equal(pods * 2, server.ListenerCount);
            output.WriteLine($"AddPod: {pods} pods x 2 ports in {sw.Elapsed.TotalMilliseconds:0} ms " +
                             $"({sw.Elapsed.TotalMilliseconds / pods:0.00} ms/pod); working set +{(Process.GetCurrentProcess().WorkingSet64 - memBefore) / 1024} KiB");

            // Spot checks over loopback inside some pods' namespaces.
            foreach (var i in new[] { 0, 99, pods - 1 })
            {
                ProbeNetwork.Ip("-n", names[i], "link", "set", "lo", "up");
                Assert.Equal($"pod-{i}", ProbeClient.Http(names[i], "127.0.0.1", 80, "/hostname", Timeout).Body);
                Assert.Equal($"pod-{i}", ProbeClient.Udp(names[i], "127.0.0.1", 81, "hostname", Timeout).Body);
            }
            sw.Restart();
            await server.DisposeAsync();
            output.WriteLine($"Dispose: {sw.Elapsed.TotalMilliseconds:0} ms");
            Assert.Equal(0, server.ListenerCount);
        }
        finally
        {
            var delete = new IpBatch();
            foreach (var n in names)
                if (Netns.Exists(n)) delete.Add($"netns del {n}");
            delete.Apply(ProcessRunner.Instance, force: true);
        }
        Assert.Empty(Netns.List(prefix));
    }

    private static bool SctpAvailable
    {
        get
        {
            try
            {
                using var s = NativeSocket.Open(AddressFamily.InterNetwork, SocketType.Stream, 132);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    private static Socket ConnectFrom(string netns, int port)
    {
        var s = Netns.RunIn(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        s.ReceiveTimeout = 3000;
        s.Connect(IPAddress.Parse(ProbeNetwork.ServerIp), port);
        return s;
    }

    private static void Send(Socket s, string text) => s.Send(Encoding.ASCII.GetBytes(text));

    /// <summary>One response, framed by its Content-Length.</summary>
    private static string ReadResponse(Socket s)
    {
        var got = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var text = got.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var cl = text.IndexOf("Content-Length: ", StringComparison.Ordinal);
                var length = int.Parse(text[(cl + 16)..text.IndexOf('\r', cl)]);
                if (text.Length >= end + 4 + length) return text;
            }
            var n = s.Receive(buffer);
            if (n == 0) return got.ToString();
            got.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    private static string ReadToEnd(Socket s)
    {
        var got = new StringBuilder();
        var buffer = new byte[4096];
        int n;
        while ((n = s.Receive(buffer)) > 0) got.Append(Encoding.ASCII.GetString(buffer, 0, n));
        return got.ToString();
    }
}
