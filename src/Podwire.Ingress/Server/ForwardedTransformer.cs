using Yarp.ReverseProxy.Forwarder;

namespace Podwire.Ingress.Server;

/// <summary>
/// Copies the request as YARP does, then keeps the client's Host (backends route on it, as
/// behind ingress-nginx) and sets X-Forwarded-For/-Proto/-Host from the connection. Incoming
/// X-Forwarded-* are replaced, not appended: clients are not trusted to state them.
/// </summary>
public sealed class ForwardedTransformer : HttpTransformer
{
    public static readonly ForwardedTransformer Instance = new();

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        // The base copy completes synchronously for requests without a body: no state machine then.
        var copy = base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (!copy.IsCompletedSuccessfully) return Slow(copy, httpContext, proxyRequest);
        SetHeaders(httpContext, proxyRequest);
        return ValueTask.CompletedTask;

        static async ValueTask Slow(ValueTask copy, HttpContext httpContext, HttpRequestMessage proxyRequest)
        {
            await copy;
            SetHeaders(httpContext, proxyRequest);
        }
    }

    private static void SetHeaders(HttpContext httpContext, HttpRequestMessage proxyRequest)
    {
        var request = httpContext.Request;
        var headers = proxyRequest.Headers;
        string host = request.Host.Value ?? "";
        headers.Host = host.Length > 0 ? host : null;
        headers.Remove("X-Forwarded-For");
        headers.Remove("X-Forwarded-Proto");
        headers.Remove("X-Forwarded-Host");
        var remote = httpContext.Connection.RemoteIpAddress;
        if (remote is not null)
            headers.TryAddWithoutValidation("X-Forwarded-For", remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4().ToString() : remote.ToString());
        headers.TryAddWithoutValidation("X-Forwarded-Proto", request.IsHttps ? "https" : "http");
        if (host.Length > 0) headers.TryAddWithoutValidation("X-Forwarded-Host", host);
    }
}
