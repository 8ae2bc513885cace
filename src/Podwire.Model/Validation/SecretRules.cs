using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>ValidateSecret: data keys, total size, and the keys a typed Secret must carry.</summary>
public static class SecretRules
{
    public const int MaxSecretBytes = 1024 * 1024;
    public const string TlsType = "kubernetes.io/tls";
    public const string ServiceAccountTokenType = "kubernetes.io/service-account-token";

    public static void Check(ProblemSink sink, V1Secret secret)
    {
        long total = 0;
        if (secret.Data is not null)
        {
            foreach (var key in SelectorRules.SortedKeys(secret.Data))
            {
                NameRules.Report(sink, $"data[{key}]", key, NameRules.ConfigMapKey(key));
                total += secret.Data[key]?.Length ?? 0;
            }
        }
        if (secret.StringData is not null)
        {
            foreach (var key in SelectorRules.SortedKeys(secret.StringData))
            {
                NameRules.Report(sink, $"stringData[{key}]", key, NameRules.ConfigMapKey(key));
                total += secret.StringData[key]?.Length ?? 0;
            }
        }
        if (total > MaxSecretBytes) sink.Add("data", FieldErrors.TooLong(MaxSecretBytes));

        switch (secret.Type)
        {
            case TlsType:
                // The API server merges stringData into data before validating, so either may hold the key.
                if (!HasKey(secret, "tls.crt")) sink.Add("data[tls.crt]", FieldErrors.Required);
                if (!HasKey(secret, "tls.key")) sink.Add("data[tls.key]", FieldErrors.Required);
                break;
            case ServiceAccountTokenType:
                const string annotation = "kubernetes.io/service-account.name";
                if (secret.Metadata?.Annotations is not { } a || !a.TryGetValue(annotation, out var sa) || string.IsNullOrEmpty(sa))
                    sink.Add($"metadata.annotations[{annotation}]", FieldErrors.Required);
                break;
        }
    }

    private static bool HasKey(V1Secret s, string key) =>
        (s.Data is not null && s.Data.ContainsKey(key)) || (s.StringData is not null && s.StringData.ContainsKey(key));
}
