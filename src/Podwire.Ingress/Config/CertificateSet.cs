using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Podwire.Model;

namespace Podwire.Ingress.Config;

/// <summary>
/// Server certificates by SNI name, from the <c>kubernetes.io/tls</c> Secrets that served
/// Ingresses name in <c>spec.tls</c>. An exact host beats a wildcard (as for routing); among
/// equals the first Ingress by (namespace, name) wins. Unknown names get the default certificate.
/// </summary>
public sealed class CertificateSet
{
    private readonly Dictionary<string, X509Certificate2> _exact;
    private readonly Dictionary<string, X509Certificate2> _wildcard;

    private CertificateSet(Dictionary<string, X509Certificate2> exact, Dictionary<string, X509Certificate2> wildcard)
    {
        _exact = exact;
        _wildcard = wildcard;
    }

    public static CertificateSet Empty { get; } = new(new(StringComparer.Ordinal), new(StringComparer.Ordinal));

    /// <summary>A self-signed certificate for names no Secret covers (ingress-nginx's "fake certificate"); one per process.</summary>
    public static X509Certificate2 Default => LazyDefault.Value;
    private static readonly Lazy<X509Certificate2> LazyDefault = new(() => SelfSigned("podwire-ingress default certificate"));

    public IEnumerable<string> Names => _exact.Keys.Concat(_wildcard.Keys.Select(k => "*" + k)).Order(StringComparer.Ordinal);

    public X509Certificate2 Select(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName)) return Default;
        var name = serverName.ToLowerInvariant().TrimEnd('.');
        if (_exact.TryGetValue(name, out var c)) return c;
        int dot = name.IndexOf('.');
        if (dot > 0 && _wildcard.TryGetValue(name[dot..], out c)) return c;
        return Default;
    }

    /// <summary>Reads the certificates of <paramref name="served"/> (ordered); problems become warnings.</summary>
    public static CertificateSet Build(IReadOnlyList<Podwire.Model.Ingress> served, IReadOnlyList<Secret> secrets, List<string> warnings)
    {
        var exact = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        var wildcard = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        var loaded = new Dictionary<string, X509Certificate2?>(StringComparer.Ordinal);
        foreach (var ing in served)
            foreach (var tls in ing.Tls)
            {
                if (string.IsNullOrEmpty(tls.SecretName)) continue;
                string key = ing.Namespace + "/" + tls.SecretName;
                if (!loaded.TryGetValue(key, out var cert))
                    loaded[key] = cert = Load(ing, tls.SecretName, secrets, warnings);
                if (cert is null) continue;
                foreach (var h in tls.Hosts)
                {
                    var host = h.ToLowerInvariant();
                    if (host.StartsWith("*.", StringComparison.Ordinal)) wildcard.TryAdd(host[1..], cert);
                    else exact.TryAdd(host, cert);
                }
            }
        return new CertificateSet(exact, wildcard);
    }

    private static X509Certificate2? Load(Podwire.Model.Ingress ing, string secretName, IReadOnlyList<Secret> secrets, List<string> warnings)
    {
        string key = ing.Namespace + "/" + secretName;
        Secret? secret = null;
        foreach (var s in secrets)
            if (s.Namespace == ing.Namespace && s.Name == secretName) { secret = s; break; }
        if (secret is null)
        {
            warnings.Add($"Ingress {ing.Key}: TLS Secret {key} not found; the default certificate is served");
            return null;
        }
        if (secret.Type != "kubernetes.io/tls"
            || !secret.Data.TryGetValue("tls.crt", out var crt) || !secret.Data.TryGetValue("tls.key", out var pem))
        {
            warnings.Add($"Ingress {ing.Key}: Secret {key} is not a kubernetes.io/tls Secret with tls.crt and tls.key; the default certificate is served");
            return null;
        }
        try
        {
            using var ephemeral = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(crt), System.Text.Encoding.ASCII.GetString(pem));
            // A PKCS#12 round trip gives the key a form every TLS backend accepts for a server.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            warnings.Add($"Ingress {ing.Key}: Secret {key} holds no usable certificate and key ({e.Message}); the default certificate is served");
            return null;
        }
    }

    private static X509Certificate2 SelfSigned(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
