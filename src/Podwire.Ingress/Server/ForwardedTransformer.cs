using Podwire.Ingress.Forwarding;
using Yarp.ReverseProxy.Forwarder;

namespace Podwire.Ingress.Server;

/// <summary>
/// Copies the request as YARP does, then makes it the request the fast path sends: the
/// normalised target the route table matched (<see cref="Routing.RequestTarget"/>, sent without
/// System.Uri's canonicalisation), the header policy of <see cref="HopByHop"/>, the client's Host
/// (backends route on it, as behind ingress-nginx) and X-Forwarded-For/-Proto/-Host/-Port and
/// X-Real-IP from the connection, replacing any the client sent.
/// </summary>
public sealed class ForwardedTransformer : HttpTransformer
{
    public static readonly ForwardedTransformer Instance = new();

    private static readonly UriCreationOptions AsSent = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        // The base copy completes synchronously for requests without a body: no state machine then.
        var copy = base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (!copy.IsCompletedSuccessfully) return Slow(copy, httpContext, proxyRequest, destinationPrefix);
        Finish(httpContext, proxyRequest, destinationPrefix);
        return ValueTask.CompletedTask;

        static async ValueTask Slow(ValueTask copy, HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix)
        {
            await copy;
            Finish(httpContext, proxyRequest, destinationPrefix);
        }
    }

    private static void Finish(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix)
    {
        if (httpContext.Features.Get<ForwardTargetFeature>() is { } target)
            proxyRequest.RequestUri = new Uri(destinationPrefix.TrimEnd('/') + target.Target, AsSent);
        var request = httpContext.Request;
        var headers = proxyRequest.Headers;
        var connection = request.Headers.Connection;
        // YARP already drops the fixed hop-by-hop set; what it keeps and the fast path does not:
        foreach (var (name, _) in request.Headers)
        {
            if (HopByHop.Forwarded(name, connection) || IsFramingOrHost(name)) continue;
            // Remove validates the name against the collection (Connection is not a content header): look first.
            if (headers.NonValidated.Contains(name)) headers.Remove(name);
            if (proxyRequest.Content is { } content && content.Headers.NonValidated.Contains(name)) content.Headers.Remove(name);
        }
        string host = request.Host.Value ?? "";
        headers.Host = host.Length > 0 ? host : null;
        var remote = httpContext.Connection.RemoteIpAddress;
        if (remote is not null && remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        if (remote is not null) headers.TryAddWithoutValidation("X-Forwarded-For", remote.ToString());
        headers.TryAddWithoutValidation("X-Forwarded-Proto", request.IsHttps ? "https" : "http");
        if (host.Length > 0) headers.TryAddWithoutValidation("X-Forwarded-Host", host);
        headers.TryAddWithoutValidation("X-Forwarded-Port", httpContext.Connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (remote is not null) headers.TryAddWithoutValidation("X-Real-IP", remote.ToString());
    }

    /// <summary>
    /// A status below 100, or 101 to a request that asked for no upgrade, is a broken backend:
    /// 502 as on the fast path, not relayed (YARP would pass both on, the 101 as a tunnel).
    /// </summary>
    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null && ((int)proxyResponse.StatusCode < 100
            || ((int)proxyResponse.StatusCode == 101 && httpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>() is not { IsUpgradableRequest: true })))
        {
            httpContext.Response.StatusCode = StatusCodes.Status502BadGateway;
            return ValueTask.FromResult(false);
        }
        return base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }

    /// <summary>Left to YARP and HttpClient, which frame the upstream message themselves.</summary>
    private static bool IsFramingOrHost(string name) =>
        name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("TE", StringComparison.OrdinalIgnoreCase);
}
