using Podwire.Lab;
using Podwire.Lab.Daemon;

namespace Podwire.Ingress.Config;

/// <summary>
/// The controller as it runs in a lab's <c>podwire-system/ingress</c> pods: the cluster is the
/// lab's (its saved manifests and settings, derived the way the daemon derives them, add-ons
/// included), reloads come from the daemon by SIGHUP after every apply, and after each reload the
/// controller writes Ingress status back (<see cref="IngressStatusStore"/>) with the address of
/// the Service it is published through.
/// </summary>
public sealed class LabSource(string cluster, string publishNamespace, string publishService)
{
    private readonly LabPaths _paths = new(cluster);
    private IReadOnlyList<string> _addresses = [];

    public ConfigLoad Load(long generation)
    {
        if (!File.Exists(_paths.StateFile)) return new ConfigLoad(null, [$"lab \"{cluster}\" is not running (no {_paths.StateFile})"]);
        LabState state;
        try { state = LabState.Load(_paths.StateFile); }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { return new ConfigLoad(null, [e.Message]); }
        var (derived, problems) = LabCluster.Load(state, _paths.ManifestDir);
        if (derived is null) return new ConfigLoad(null, [.. problems.Select(p => p.ToString())]);
        _addresses = derived.FindService(publishNamespace, publishService)?.LoadBalancerIngress ?? [];
        return IngressConfigBuilder.Build(derived, null, generation);
    }

    public void Publish(IngressConfig config)
    {
        var entries = new List<IngressStatusEntry>(config.Ingresses.Count);
        foreach (var s in config.Ingresses)
            entries.Add(new IngressStatusEntry(s.Ingress, s.State, s.Reason, s.State == IngressStatus.Served ? _addresses : []));
        try { IngressStatusStore.Write(_paths.IngressStatusFile, entries); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Server.Log.Warn($"cannot write Ingress status: {e.Message}"); }
    }
}
