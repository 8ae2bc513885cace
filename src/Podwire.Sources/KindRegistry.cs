using System.Text.Json;
using k8s;
using k8s.Models;

namespace Podwire.Sources;

/// <summary>
/// The kinds Podwire reads, by apiVersion and kind, each with its source-generated JSON contract
/// (NativeAOT-safe). Kinds listed as raw are kept as JSON text for layers with their own schema.
/// </summary>
internal static class KindRegistry
{
    private delegate object Decoder(ReadOnlySpan<byte> json);

    private static readonly Dictionary<(string, string), Decoder> Typed = new()
    {
        [("v1", "Namespace")] = j => Decode<V1Namespace>(j),
        [("v1", "Node")] = j => Decode<V1Node>(j),
        [("v1", "Pod")] = j => Decode<V1Pod>(j),
        [("v1", "Service")] = j => Decode<V1Service>(j),
        [("v1", "Endpoints")] = j => Decode<V1Endpoints>(j),
        [("v1", "ServiceAccount")] = j => Decode<V1ServiceAccount>(j),
        [("v1", "Secret")] = j => Decode<V1Secret>(j),
        [("apps/v1", "Deployment")] = j => Decode<V1Deployment>(j),
        [("apps/v1", "ReplicaSet")] = j => Decode<V1ReplicaSet>(j),
        [("apps/v1", "StatefulSet")] = j => Decode<V1StatefulSet>(j),
        [("apps/v1", "DaemonSet")] = j => Decode<V1DaemonSet>(j),
        [("batch/v1", "Job")] = j => Decode<V1Job>(j),
        [("discovery.k8s.io/v1", "EndpointSlice")] = j => Decode<V1EndpointSlice>(j),
        [("networking.k8s.io/v1", "Ingress")] = j => Decode<V1Ingress>(j),
        [("networking.k8s.io/v1", "IngressClass")] = j => Decode<V1IngressClass>(j),
        [("networking.k8s.io/v1", "NetworkPolicy")] = j => Decode<V1NetworkPolicy>(j),
    };

    private static readonly HashSet<(string, string)> Raw =
    [
        ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy"),
        ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy"),
    ];

    private static T Decode<T>(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var info = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
        return JsonSerializer.Deserialize(ref reader, info)!;
    }

    // KubernetesJson keeps its configured options private; reproduce them through its public hook.
    private static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(o => captured = o);
        captured ??= new JsonSerializerOptions { TypeInfoResolver = SourceGenerationContext.Default };
        return captured;
    }

    public static bool IsTyped(string apiVersion, string kind) => Typed.ContainsKey((apiVersion, kind));
    public static bool IsRaw(string apiVersion, string kind) => Raw.Contains((apiVersion, kind));

    public static object DecodeTyped(string apiVersion, string kind, ReadOnlySpan<byte> json) => Typed[(apiVersion, kind)](json);
}
