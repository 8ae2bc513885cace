using Podwire.Ingress.Routing;

namespace Podwire.Ingress.Config;

/// <summary>What became of one Ingress: "served", "refused" (hostile or invalid) or "ignored" (another controller's).</summary>
public sealed record IngressStatus(string Ingress, string State, string Reason)
{
    public const string Served = "served";
    public const string Refused = "refused";
    public const string Ignored = "ignored";
}

/// <summary>
/// One complete, immutable proxy configuration. The server swaps the whole object on reload;
/// a request holds the one it started with, so in-flight requests never see a half-applied change.
/// </summary>
public sealed record IngressConfig(
    long Generation,
    DateTimeOffset LoadedAt,
    RouteTable Routes,
    CertificateSet Certificates,
    IReadOnlyList<IngressStatus> Ingresses,
    IReadOnlyList<ServiceBackend> Backends,
    IReadOnlyList<string> Warnings)
{
    public static IngressConfig Empty { get; } =
        new(0, DateTimeOffset.UnixEpoch, RouteTable.Empty, CertificateSet.Empty, [], [], []);
}

/// <summary>The result of reading manifests: a configuration, or the errors that prevent one.</summary>
public sealed record ConfigLoad(IngressConfig? Config, IReadOnlyList<string> Errors)
{
    public bool Ok => Config is not null;
}
