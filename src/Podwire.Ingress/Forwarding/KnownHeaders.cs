using System.Text;
using Microsoft.Net.Http.Headers;

namespace Podwire.Ingress.Forwarding;

/// <summary>
/// Header names as the interned strings ASP.NET uses: Kestrel recognises its known headers by
/// reference first, and a reused string allocates nothing.
/// </summary>
internal static class KnownHeaders
{
    private static readonly string[] Names =
    [
        HeaderNames.AcceptRanges, HeaderNames.AccessControlAllowCredentials, HeaderNames.AccessControlAllowHeaders,
        HeaderNames.AccessControlAllowMethods, HeaderNames.AccessControlAllowOrigin, HeaderNames.AccessControlExposeHeaders,
        HeaderNames.AccessControlMaxAge, HeaderNames.Age, HeaderNames.Allow, HeaderNames.AltSvc, HeaderNames.CacheControl,
        HeaderNames.ContentDisposition, HeaderNames.ContentEncoding, HeaderNames.ContentLanguage, HeaderNames.ContentLocation,
        HeaderNames.ContentRange, HeaderNames.ContentSecurityPolicy, HeaderNames.ContentType, HeaderNames.Date, HeaderNames.ETag,
        HeaderNames.Expires, HeaderNames.LastModified, HeaderNames.Link, HeaderNames.Location, HeaderNames.Pragma,
        HeaderNames.RetryAfter, HeaderNames.Server, HeaderNames.SetCookie, HeaderNames.StrictTransportSecurity, HeaderNames.Vary,
        HeaderNames.WWWAuthenticate, HeaderNames.XContentTypeOptions, HeaderNames.XFrameOptions, HeaderNames.XPoweredBy,
    ];

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> ByName = Build();

    private static Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Build()
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var n in Names) d[n] = n;
        return d.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The interned name for these (ASCII, token) bytes, or null for a header it does not know.</summary>
    public static string? Name(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 64) return null;
        Span<char> chars = stackalloc char[64];
        int n = Encoding.ASCII.GetChars(bytes, chars);
        return ByName.TryGetValue(chars[..n], out _, out var name) ? name : null;
    }
}
