using Podwire.Model;
using Podwire.Model.Building;

namespace Podwire.Sources;

/// <summary>The result of reading inputs into a model: the model, or every problem that prevents it.</summary>
public sealed record LoadedCluster(ClusterModel? Model, IReadOnlyList<Problem> Problems, IReadOnlyList<string> Notices)
{
    public bool Ok => Model is not null && Problems.Count == 0;
}

/// <summary>Reads manifests and builds the validated model in one step: what every frontend calls.</summary>
public static class ClusterLoader
{
    public static LoadedCluster Load(IEnumerable<string> paths, ClusterOptions options, TextReader? stdin = null) =>
        FromLoadResult(ManifestLoader.Load(paths, stdin), options);

    public static LoadedCluster FromLoadResult(LoadResult loaded, ClusterOptions options)
    {
        if (!loaded.Ok) return new LoadedCluster(null, loaded.Problems, loaded.Notices);
        var objects = new SourceObject[loaded.Objects.Count];
        for (int i = 0; i < objects.Length; i++)
        {
            var o = loaded.Objects[i];
            objects[i] = new SourceObject(o.Object, o.Kind, o.Location);
        }
        var built = ModelBuilder.Build(objects, options);
        return new LoadedCluster(built.Model, built.Problems, loaded.Notices);
    }
}
