using Podwire.Controllers;
using Podwire.Controllers.AddOns;
using Podwire.Model;
using Podwire.Model.Net;
using Podwire.Sources;

namespace Podwire.Lab.Daemon;

/// <summary>Derives a lab's cluster from its saved manifests and settings, the same way every time.</summary>
public static class LabCluster
{
    public static ClusterOptions Options(LabState s)
    {
        // The backend's IPAM, as up recorded it: every reader of the lab (CLI, daemon, ingress) derives the addresses it assigned.
        var o = new ClusterOptions { PodIpam = s.PodIpam };
        if (s.Nodes is int n) o = o with { GeneratedNodes = n, GeneratedNodesFixed = true };
        if (s.ClusterCidr is not null) o = o with { ClusterCidr = Cidr.Parse(s.ClusterCidr) };
        if (s.ServiceCidr is not null) o = o with { ServiceCidr = Cidr.Parse(s.ServiceCidr) };
        if (s.ClusterDomain is not null) o = o with { ClusterDomain = s.ClusterDomain };
        return o;
    }

    public const string NetnsAnnotation = "podwire.io/netns";

    /// <summary>Marks each pod the lab runs with the namespace it lives in, so users can <c>ip netns exec</c> it.</summary>
    public static DerivedCluster Annotate(DerivedCluster cluster, string labName)
    {
        var names = new Topology.LabNames(labName);
        var pods = cluster.Pods.Select(p => p.HostNetwork || p.PodIP is null || p.NodeName is null
            ? p
            : p with { Annotations = p.Annotations.With(NetnsAnnotation, names.PodNetns(p.Namespace, p.Name)) }).ToList();
        return cluster with { Pods = pods };
    }

    /// <summary>Loads and derives, with the lab's add-ons (<see cref="LabAddOns"/>); on invalid input returns the problems instead.</summary>
    public static (DerivedCluster? Cluster, IReadOnlyList<Problem> Problems) Load(LabState s, string manifestDir, LabPaths? lab = null) =>
        Load(s, [manifestDir], lab);

    /// <summary>
    /// As the lab would run <paramref name="paths"/>: derived with what the running lab already
    /// assigned (<see cref="Assignments"/>, kept by the daemon in <see cref="LabPaths.AssignmentsFile"/>,
    /// so an apply never moves a pod or renumbers a Service and every reader derives the same),
    /// then the add-ons laid on top.
    /// </summary>
    /// <param name="lab">Where the lab keeps its state (default: the cluster's folder under /run/podwire or PODWIRE_RUN_DIR).</param>
    public static (DerivedCluster? Cluster, IReadOnlyList<Problem> Problems) Load(LabState s, IReadOnlyList<string> paths, LabPaths? lab = null)
    {
        var loaded = ClusterLoader.Load(paths, Options(s));
        if (!loaded.Ok) return (null, loaded.Problems);
        var pins = ReadPins((lab ?? new LabPaths(s.Cluster)).AssignmentsFile);
        var derived = ControlPlane.Derive(loaded.Model!, pins);
        return (LabAddOns.Extend(derived, AddOnModel(derived.Options), pins), []);
    }

    /// <summary>The user's derived cluster with the add-ons laid on top, as the lab runs it.</summary>
    public static DerivedCluster WithAddOns(DerivedCluster user, Assignments? pins = null) => LabAddOns.Extend(user, AddOnModel(user.Options), pins);

    // The add-ons' model depends only on the options (defaults, domain); every Load derives with
    // the same options, so it is built once per options and reused.
    private static volatile Tuple<ClusterOptions, ClusterModel>? _addOns;

    private static ClusterModel AddOnModel(ClusterOptions options)
    {
        if (_addOns is { } b && b.Item1 == options) return b.Item2;
        var loaded = ClusterLoader.FromLoadResult(ManifestLoader.LoadTexts([("<podwire lab add-ons>", LabAddOns.Manifest)]), options);
        var model = loaded.Ok ? loaded.Model! : throw new InvalidOperationException("the lab add-on manifest is invalid: " + string.Join("; ", loaded.Problems));
        _addOns = Tuple.Create(options, model);
        return model;
    }

    private static Assignments? ReadPins(string file)
    {
        try { return File.Exists(file) ? Assignments.Parse(File.ReadAllText(file)) : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Records what <paramref name="cluster"/> assigned, for the next derivation (written whole, then renamed).</summary>
    public static void WritePins(LabState s, DerivedCluster cluster, LabPaths? lab = null)
    {
        var file = (lab ?? new LabPaths(s.Cluster)).AssignmentsFile;
        var tmp = file + ".tmp";
        File.WriteAllText(tmp, Assignments.Of(cluster).ToJson());
        File.Move(tmp, file, overwrite: true);
    }
}
