using System.Runtime.InteropServices;

namespace Podwire.Ingress.Server;

/// <summary>
/// Reloads on change: a file watcher on the manifests (debounced, since editors write in
/// several steps) and SIGHUP for explicit reloads.
/// </summary>
public sealed class ManifestWatcher : IDisposable
{
    private readonly ConfigHolder _holder;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _debounce;
    private readonly PosixSignalRegistration? _hup;

    public ManifestWatcher(ConfigHolder holder)
    {
        _holder = holder;
        _debounce = new Timer(_ => _holder.Reload("manifests changed"));
        foreach (var p in holder.Paths)
        {
            if (p == "-") continue;
            var full = Path.GetFullPath(p);
            FileSystemWatcher w;
            if (Directory.Exists(full)) w = new FileSystemWatcher(full) { IncludeSubdirectories = true };
            else if (Path.GetDirectoryName(full) is { } dir && Directory.Exists(dir)) w = new FileSystemWatcher(dir, Path.GetFileName(full));
            else continue;
            w.NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName;
            w.Changed += OnChange;
            w.Created += OnChange;
            w.Deleted += OnChange;
            w.Renamed += OnChange;
            w.EnableRaisingEvents = true;
            _watchers.Add(w);
        }
        if (!OperatingSystem.IsWindows())
            _hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
            {
                ctx.Cancel = true;
                ThreadPool.QueueUserWorkItem(_ => _holder.Reload("SIGHUP"));
            });
    }

    private void OnChange(object sender, FileSystemEventArgs e) => _debounce.Change(250, Timeout.Infinite);

    public void Dispose()
    {
        foreach (var w in _watchers) w.Dispose();
        _debounce.Dispose();
        _hup?.Dispose();
    }
}
