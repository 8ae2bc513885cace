using Podwire.Controllers;
using Podwire.Model;
using Podwire.Model.Net;
using Podwire.Sources;

namespace Podwire.Lab.Daemon;

/// <summary>Derives a lab's cluster from its saved manifests and settings, the same way every time.</summary>
public static class LabCluster
{
    public static ClusterOptions Options(LabState s)
    {
        var o = new ClusterOptions();
        if (s.Nodes is int n) o = o with { GeneratedNodes = n };
        if (s.ClusterCidr is not null) o = o with { ClusterCidr = Cidr.Parse(s.ClusterCidr) };
        if (s.ServiceCidr is not null) o = o with { ServiceCidr = Cidr.Parse(s.ServiceCidr) };
        if (s.ClusterDomain is not null) o = o with { ClusterDomain = s.ClusterDomain };
        return o;
    }

    /// <summary>Loads and derives; on invalid input returns the problems instead.</summary>
    public static (DerivedCluster? Cluster, IReadOnlyList<Problem> Problems) Load(LabState s, string manifestDir)
    {
        var loaded = ClusterLoader.Load([manifestDir], Options(s));
        return loaded.Ok ? (ControlPlane.Derive(loaded.Model!), []) : (null, loaded.Problems);
    }
}
