using Podwire.Ingress.Config;
using Podwire.Model;

namespace Podwire.Ingress.Server;

/// <summary>
/// The live configuration and how it is reloaded. Readers take <see cref="Current"/> once per
/// request; a reload builds a whole new <see cref="IngressConfig"/> off to the side and swaps
/// the reference, so a failed reload changes nothing and an in-flight request is never torn.
/// </summary>
public sealed class ConfigHolder
{
    private readonly Lock _reloadGate = new();
    private readonly Func<long, ConfigLoad> _load;
    private readonly Action<IngressConfig>? _published;
    private IngressConfig _current = IngressConfig.Empty;
    private long _generation;

    /// <summary>Serves the manifests in <paramref name="paths"/>, derived with <paramref name="options"/>.</summary>
    public ConfigHolder(IReadOnlyList<string> paths, ClusterOptions options)
    {
        Paths = paths;
        _load = generation => IngressConfigBuilder.Load(paths, options, generation);
    }

    /// <summary>
    /// Serves what <paramref name="load"/> returns (a running lab's cluster); nothing to watch on
    /// disk, reloads come by SIGHUP. <paramref name="published"/> runs after each configuration goes live.
    /// </summary>
    public ConfigHolder(Func<long, ConfigLoad> load, Action<IngressConfig>? published)
    {
        Paths = [];
        _load = load;
        _published = published;
    }

    public IReadOnlyList<string> Paths { get; }
    public IngressConfig Current => Volatile.Read(ref _current);
    /// <summary>Errors of the last failed reload (the previous configuration stayed), else empty.</summary>
    public IReadOnlyList<string> LastErrors { get; private set; } = [];
    public long Attempts => Interlocked.Read(ref _generation);

    /// <summary>Reads the manifests again; true when a new configuration is live.</summary>
    public bool Reload(string why)
    {
        lock (_reloadGate)
        {
            long generation = ++_generation;
            var load = _load(generation);
            if (!load.Ok)
            {
                LastErrors = load.Errors;
                Log.Error($"reload {generation} ({why}) failed; still serving generation {Current.Generation}: {load.Errors.Count} problem(s)");
                foreach (var e in load.Errors) Log.Error("  " + e);
                return false;
            }
            var config = load.Config!;
            foreach (var s in config.Ingresses)
            {
                if (s.State == IngressStatus.Refused) Log.Warn($"Ingress {s.Ingress} refused: {s.Reason}");
                else if (s.State == IngressStatus.Ignored) Log.Info($"Ingress {s.Ingress} ignored: {s.Reason}");
            }
            foreach (var w in config.Warnings) Log.Warn(w);
            Volatile.Write(ref _current, config);
            LastErrors = [];
            int served = 0;
            foreach (var s in config.Ingresses) if (s.State == IngressStatus.Served) served++;
            Log.Info($"configuration {generation} live ({why}): {served} Ingress(es) served, {config.Routes.PathCount} path(s), {config.Backends.Count} backend(s)");
            _published?.Invoke(config);
            return true;
        }
    }
}
