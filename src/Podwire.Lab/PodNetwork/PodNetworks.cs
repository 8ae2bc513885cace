using Podwire.Lab.PodNetwork.Flannel;

namespace Podwire.Lab.PodNetwork;

/// <summary>
/// The one table of pod-network backends: <c>--backend</c> (on <c>up</c> and on the analysis
/// commands), the daemon and the docs all read it. Adding a backend is one folder and one line here.
/// </summary>
public static class PodNetworks
{
    public const string Default = FlannelVxlan.BackendName;

    private static readonly IPodNetwork[] All = [new FlannelVxlan(), new FlannelHostGw()];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(b => b.Name)];

    public static IPodNetwork? Find(string name)
    {
        foreach (var b in All)
            if (b.Name == name) return b;
        return null;
    }

    /// <summary>The backend named, or an error naming the valid ones (the API server's wording for enums).</summary>
    public static IPodNetwork Get(string name) =>
        Find(name) ?? throw new UnknownPodNetworkException(name);

    /// <summary>Every backend with its one-line summary, for <c>up --help</c>.</summary>
    public static string Describe() => string.Join("; ", All.Select(b => $"{b.Name}: {b.Summary}"));
}

public sealed class UnknownPodNetworkException(string name)
    : Exception($"Unsupported value: \"{name}\": supported values: {string.Join(", ", PodNetworks.Names.Select(n => $"\"{n}\""))}");
