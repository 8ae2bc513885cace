using Podwire.Model;

namespace Podwire.Policy.Identity;

/// <summary>
/// A number standing for everything policy can tell about a pod: its namespace, the
/// namespace's labels, its own labels and its named container ports. Pods that agree on all of
/// these are indistinguishable to selectors and named-port resolution, so policy is computed
/// once per identity (as Cilium does), not once per pod.
/// </summary>
public sealed record SecurityIdentity(
    int Id,
    string Namespace,
    Labels NamespaceLabels,
    Labels PodLabels,
    IReadOnlyList<NamedPort> NamedPorts)
{
    /// <summary>The port number this identity gives <paramref name="name"/> for <paramref name="protocol"/>, if any.</summary>
    public int? Resolve(string name, Protocol protocol)
    {
        foreach (var p in NamedPorts)
            if (p.Protocol == protocol && p.Name == name) return p.Port;
        return null;
    }

    public override string ToString() => $"{Id} ({Namespace}: {PodLabels})";
}

/// <summary>A named containerPort: what a policy's named port can resolve to on a destination pod.</summary>
public readonly record struct NamedPort(string Name, Protocol Protocol, int Port);
