using Podwire.Model;

namespace Podwire.Sources;

/// <summary>One Kubernetes object read from a manifest, typed with the KubernetesClient models.</summary>
/// <remarks>Kinds without a typed model here (AdminNetworkPolicy…) arrive as <see cref="RawObject"/>.</remarks>
public sealed record LoadedObject(object Object, string ApiVersion, string Kind, SourceLocation Location);

/// <summary>
/// Everything read from the inputs: objects in input order, one notice per skipped kind, and every
/// problem found (syntax errors with line numbers, type mismatches with the field path).
/// </summary>
public sealed record LoadResult(IReadOnlyList<LoadedObject> Objects, IReadOnlyList<string> Notices, IReadOnlyList<Problem> Problems)
{
    public bool Ok => Problems.Count == 0;
}
