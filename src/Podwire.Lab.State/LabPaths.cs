namespace Podwire.Lab;

/// <summary>Where a lab keeps its state on the host: all under /run/podwire/&lt;cluster&gt;, removed by <c>down</c>.</summary>
public sealed class LabPaths(string cluster, string? root = null)
{
    public string Root { get; } = Path.Combine(root ?? Environment.GetEnvironmentVariable("PODWIRE_RUN_DIR") ?? "/run/podwire", cluster);
    public string PidFile => Path.Combine(Root, "daemon.pid");
    public string LogFile => Path.Combine(Root, "daemon.log");
    public string Socket => Path.Combine(Root, "api.sock");
    public string LogDir => Path.Combine(Root, "logs");
    public string StateFile => Path.Combine(Root, "state.json");
    public string ManifestDir => Path.Combine(Root, "manifests");
    public string CniDir => Path.Combine(Root, "cni");
    public string CniCache => Path.Combine(Root, "cni", "cache");
    public string IpamDir(string node) => Path.Combine(Root, "ipam", node);
    public string ConfList(string node) => Path.Combine(CniDir, node + ".conflist");
    /// <summary>What the lab's ingress controller last published about each Ingress (see <c>IngressStatusStore</c>).</summary>
    public string IngressStatusFile => Path.Combine(Root, "ingress-status.json");
    /// <summary>What the running lab assigned (pods' nodes and addresses, Services' addresses): see Controllers.Assignments.</summary>
    public string AssignmentsFile => Path.Combine(Root, "assignments.json");
}
