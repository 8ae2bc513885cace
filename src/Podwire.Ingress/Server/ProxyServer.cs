using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Http.Features;
using Podwire.Ingress.Forwarding;
using Podwire.Ingress.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Podwire.Ingress.Server;

/// <summary>Where the server listens; a null endpoint is not opened. Port 0 picks a free port.</summary>
public sealed record ListenOptions(IPEndPoint? Http, IPEndPoint? Https, IPEndPoint? Admin);

/// <summary>
/// The data plane: Kestrel, our route table, and YARP's forwarder.
/// </summary>
/// <remarks>
/// Design note. YARP's own route table (ASP.NET endpoint routing over host and path templates)
/// cannot say what SPECS 4 says — an exact host beats a wildcard only while one of its paths
/// matches, an element-wise Prefix, the defaultBackend fallbacks — so matching is
/// <see cref="Routing.RouteTable"/> (held equal to IngressRouter by a property test) and YARP
/// forwards. The common case — an HTTP/1.x request without a chunked body to a plain-HTTP
/// backend — goes through <see cref="Http1Forwarder"/>, which writes the request head from
/// Kestrel's parsed request and parses the response head in place over its own keep-alive pool
/// (measured ≈ −2.5 µs CPU per request against YARP's HttpRequestMessage/HttpResponseMessage
/// path, bench/ingress). Everything else stays with YARP, which does it best:
/// <see cref="IHttpForwarder"/> streams the exchange (HTTP/2 clients, WebSocket upgrades, chunked
/// request bodies, trailers) over one pooled <see cref="SocketsHttpHandler"/>. Both pools are
/// shared by every configuration, so a reload keeps backend connections warm. The pipeline is
/// one terminal delegate: no endpoint routing, no per-request DI scope, no logging on the hot path.
/// Both forwarders get the one target <see cref="RequestTarget"/> derives from the raw request
/// target, the one the route table matched, and the same header policy (<see cref="HopByHop"/>):
/// docs/INGRESS-SECURITY.md.
/// </remarks>
public sealed class ProxyServer : IAsyncDisposable
{
    private static readonly byte[] NotFoundBody = "404 page not found\n"u8.ToArray();
    private static readonly byte[] BadRequestBody = "400 bad request\n"u8.ToArray();
    private static readonly byte[] UnavailableBody = "503 service unavailable: no ready endpoint\n"u8.ToArray();

    private readonly WebApplication _app;
    private readonly ConfigHolder _holder;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly UpstreamPools _pools = new(idleTimeout: TimeSpan.FromSeconds(60), activityTimeout: TimeSpan.FromSeconds(100));
    private readonly Http1Forwarder _http1;
    private readonly ForwarderRequestConfig _requestConfig = new()
    {
        ActivityTimeout = TimeSpan.FromSeconds(100),
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };
    private int _adminPort = -1;
    /// <summary>
    /// PODWIRE_INGRESS_FORWARDER=yarp sends everything through YARP: the fallback if the fast path
    /// is ever in doubt, and the reference the differential tests compare the fast path with.
    /// </summary>
    private readonly bool _yarpOnly = string.Equals(Environment.GetEnvironmentVariable("PODWIRE_INGRESS_FORWARDER"), "yarp", StringComparison.OrdinalIgnoreCase);

    public ProxyServer(ConfigHolder holder, ListenOptions listen)
    {
        _holder = holder;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Any enabled level makes hosting open a logging scope per request: off for that category.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.AddHttpForwarder();
        // Requests run on the socket thread that read them (no thread-pool hop); safe here
        // because nothing on the request path blocks.
        // No zero-byte read before each receive: it saves a buffer per idle connection but costs
        // a syscall per request.
        builder.WebHost.UseSockets(o =>
        {
            o.UnsafePreferInlineScheduling = true;
            o.WaitForDataBeforeAllocatingBuffer = false;
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
            // Kestrel's default data rates (240 B/s after a 5 s grace) stay on: without them a client
            // trickling a body, or reading a response that slowly, holds a backend connection forever.
            if (listen.Http is { } http) k.Listen(http, o => o.Protocols = HttpProtocols.Http1);
            if (listen.Https is { } https)
                k.Listen(https, o =>
                {
                    o.Protocols = HttpProtocols.Http1AndHttp2; // h2 is chosen by ALPN
                    o.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        // SNI picks the certificate; routing still follows the Host header (SPECS 4).
                        ServerCertificateSelector = (_, name) => _holder.Current.Certificates.Select(name),
                    });
                });
            if (listen.Admin is { } admin) k.Listen(admin, o => o.Protocols = HttpProtocols.Http1);
        });
        _app = builder.Build();
        _forwarder = _app.Services.GetRequiredService<IHttpForwarder>();
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            MaxConnectionsPerServer = UpstreamPool.MaxConnections,
        });
        _http1 = new Http1Forwarder(_pools);
        _app.Run(HandleAsync);
    }

    /// <summary>The bound addresses as "http=IP:PORT https=… admin=…", in that order.</summary>
    public IReadOnlyList<string> Addresses =>
        [.. _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];

    public async Task StartAsync(ListenOptions listen)
    {
        await _app.StartAsync();
        // Bound ports are known only now (port 0); the admin port separates admin requests.
        var addrs = Addresses;
        int index = 0;
        if (listen.Http is not null) index++;
        if (listen.Https is not null) index++;
        if (listen.Admin is not null && addrs.Count > index && Uri.TryCreate(addrs[index], UriKind.Absolute, out var u)) _adminPort = u.Port;
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    private Task HandleAsync(HttpContext context)
    {
        if (context.Connection.LocalPort == _adminPort) return AdminAsync(context);
        var config = _holder.Current;
        var request = context.Request;
        // One target for routing and for both forwarders, from the bytes the client sent.
        var forwardTarget = RequestTarget.Normalize(context.Features.Get<IHttpRequestFeature>()!.RawTarget);
        if (forwardTarget is null || HopByHop.ConnectionNamesFraming(request.Headers.Connection))
            return RefuseAsync(context);
        var target = config.Routes.Match(request.Host.Value, RequestTarget.PathOf(forwardTarget));
        if (target is null) return WriteAsync(context, StatusCodes.Status404NotFound, NotFoundBody);
        if (target.Backend is not { } backend) return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, UnavailableBody);
        var (destination, pool) = backend.NextUpstream(_pools);
        if (destination is null) return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, UnavailableBody);
        if (pool is not null && !_yarpOnly && Http1Forwarder.CanForward(context)) return _http1.ForwardAsync(context, pool, forwardTarget);
        context.Features.Set(new ForwardTargetFeature(forwardTarget));
        var pending = _forwarder.SendAsync(context, destination, _client, _requestConfig, ForwardedTransformer.Instance);
        return pending.IsCompletedSuccessfully ? Task.CompletedTask : pending.AsTask();
    }

    /// <summary>
    /// 400 and close: a target that is not visible ASCII, carries a raw '#' or a bad escape, or a
    /// Connection header naming a framing header (the smuggling of issue 12 V1). Closing is what
    /// nginx does after a bad request; nothing more from this client is trusted.
    /// </summary>
    private static Task RefuseAsync(HttpContext context)
    {
        context.Response.Headers.Connection = "close";
        return WriteAsync(context, StatusCodes.Status400BadRequest, BadRequestBody);
    }

    private static Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length);
    }

    private async Task AdminAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        var response = context.Response;
        switch (path)
        {
            case "/_podwire/status":
                response.ContentType = "application/json";
                await response.Body.WriteAsync(StatusJson.Write(_holder.Current, _holder.LastErrors));
                return;
            case "/_podwire/reload" when HttpMethods.IsPost(context.Request.Method):
                bool ok = _holder.Reload("admin request");
                response.StatusCode = ok ? 200 : 409;
                response.ContentType = "application/json";
                await response.Body.WriteAsync(StatusJson.Write(_holder.Current, _holder.LastErrors));
                return;
            case "/healthz":
                response.ContentType = "text/plain";
                await response.WriteAsync("ok\n");
                return;
            default:
                await WriteAsync(context, 404, NotFoundBody);
                return;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _client.Dispose();
        _pools.Dispose();
    }
}
