using System.Net;
using System.Text;
using Podwire.Ingress.Config;
using Podwire.Ingress.Server;
using Podwire.Model;

namespace Podwire.Ingress;

/// <summary>
/// <c>podwire-ingress serve -f P… [--http ADDR] [--https ADDR] [--admin ADDR]</c> runs the
/// controller; <c>podwire-ingress status -f P… [-o text|json]</c> prints what it would serve.
/// ADDR is IP:PORT (port 0 = any free port) or "off". Exit codes: 0 ok, 2 bad input/usage.
/// </summary>
public static class Program
{
    private const string Usage = """
        usage: podwire-ingress serve -f PATH [-f PATH…] [--http 127.0.0.1:8080] [--https 127.0.0.1:8443] [--admin ADDR]
               podwire-ingress serve --lab CLUSTER [--publish-service NS/NAME] [--http …] [--https …] [--admin …]
               podwire-ingress status -f PATH [-f PATH…] [-o text|json]
        ADDR is IP:PORT (port 0 picks a free port) or "off"; the admin listener (off by default)
        serves /_podwire/status (JSON), POST /_podwire/reload and /healthz.
        The manifests are watched and reloaded on change, and on SIGHUP.
        --lab serves a running podwire lab's cluster (as its podwire-system/ingress pods do), reloads
        on SIGHUP and writes Ingress status back with the address of the --publish-service
        (default podwire-system/ingress).
        """;

    public static async Task<int> Main(string[] args)
    {
        // Socket completions run on the epoll threads instead of hopping to the thread pool (a
        // proxy does tiny work per event on two sockets per exchange), and there are several epoll
        // threads, not the one a small machine gets by default, or one core caps the proxy.
        // Measured (bench/ingress, 2 cores): 1 thread ≈ 30k req/s, 2×cores ≈ 40–58k req/s.
        // The runtime reads both when the first socket is made, so they are set before that.
        SetDefault("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        SetDefault("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", Math.Max(2, 2 * Environment.ProcessorCount).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        var files = new List<string>();
        string http = "127.0.0.1:8080", https = "127.0.0.1:8443", admin = "off", output = "text";
        string? lab = null, publish = null;
        for (int i = 1; i < args.Length; i++)
        {
            string a = args[i];
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (a)
            {
                case "-f" or "--filename": if (Value() is { } f) files.Add(f); else return Fail("-f needs a path"); break;
                case "--http": http = Value() ?? ""; break;
                case "--https": https = Value() ?? ""; break;
                case "--admin": admin = Value() ?? ""; break;
                case "-o" or "--output": output = Value() ?? ""; break;
                case "--lab": lab = Value() ?? ""; break;
                case "--publish-service": publish = Value() ?? ""; break;
                default: return Fail($"unknown argument \"{a}\"");
            }
        }
        if (lab is not null)
        {
            if (args[0] != "serve" || files.Count > 0 || lab.Length == 0) return Fail("--lab CLUSTER goes with serve, without -f");
            var parts = (publish ?? "podwire-system/ingress").Split('/');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0) return Fail("--publish-service takes NAMESPACE/NAME");
            var source = new LabSource(lab, parts[0], parts[1]);
            return await ServeAsync(new ConfigHolder(source.Load, source.Publish), http, https, admin);
        }
        if (publish is not null) return Fail("--publish-service goes with --lab");
        if (files.Count == 0) return Fail("-f PATH is required");
        return args[0] switch
        {
            "serve" => await ServeAsync(new ConfigHolder(files, new ClusterOptions()), http, https, admin),
            "status" => Status(files, output),
            _ => Fail($"unknown command \"{args[0]}\""),
        };
    }

    private static void SetDefault(string variable, string value)
    {
        if (Environment.GetEnvironmentVariable(variable) is null) Environment.SetEnvironmentVariable(variable, value);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("podwire-ingress: " + message);
        Console.Error.WriteLine(Usage);
        return 2;
    }

    private static int Status(List<string> files, string output)
    {
        var load = IngressConfigBuilder.Load(files, new ClusterOptions(), 1);
        if (!load.Ok)
        {
            foreach (var e in load.Errors) Console.Error.WriteLine("error: " + e);
            return 2;
        }
        var config = load.Config!;
        if (output == "json")
        {
            using var stdout = Console.OpenStandardOutput();
            stdout.Write(StatusJson.Write(config, []));
            return 0;
        }
        if (output != "text") return Fail($"-o: Unsupported value: \"{output}\": supported values: \"text\", \"json\"");
        var sb = new StringBuilder();
        foreach (var s in config.Ingresses) sb.Append(s.State).Append('\t').Append(s.Ingress).Append('\t').Append(s.Reason).Append('\n');
        foreach (var w in config.Warnings) sb.Append("warning\t").Append(w).Append('\n');
        Console.Out.Write(sb.ToString());
        return 0;
    }

    private static async Task<int> ServeAsync(ConfigHolder holder, string http, string https, string admin)
    {
        if (!TryEndpoint(http, out var httpEp) || !TryEndpoint(https, out var httpsEp) || !TryEndpoint(admin, out var adminEp))
            return Fail("--http/--https/--admin take IP:PORT or \"off\"");
        if (!holder.Reload("start"))
        {
            Log.Error("the manifests do not load; nothing to serve");
            return 2;
        }
        var listen = new ListenOptions(httpEp, httpsEp, adminEp);
        await using var server = new ProxyServer(holder, listen);
        await server.StartAsync(listen);
        var addrs = server.Addresses;
        int k = 0;
        foreach (var (name, ep) in new[] { ("http", httpEp), ("https", httpsEp), ("admin", adminEp) })
            if (ep is not null && k < addrs.Count) Log.Info($"listening {name}={HostPort(addrs[k++])}");
        using var watcher = new ManifestWatcher(holder);
        await server.WaitForShutdownAsync();
        return 0;
    }

    private static string HostPort(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var u) ? $"{u.Host}:{u.Port}" : address;

    private static bool TryEndpoint(string text, out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (text is "off" or "") return true;
        if (IPEndPoint.TryParse(text, out var ep) && text.Contains(':')) { endpoint = ep; return true; }
        return false;
    }
}
