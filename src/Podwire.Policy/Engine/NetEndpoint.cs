using System.Net;
using Podwire.Model;

namespace Podwire.Policy.Engine;

/// <summary>
/// One end of a connection: a pod, or a bare address (outside the cluster, or a node).
/// Named NetEndpoint rather than Endpoint so it does not clash with the EndpointSlice record.
/// </summary>
public sealed record NetEndpoint(Pod? Pod, IPAddress? Address)
{
    public static NetEndpoint Of(Pod pod) => new(pod, null);
    public static NetEndpoint Of(IPAddress address) => new(null, address);
    public static NetEndpoint Of(string address) => new(null, IPAddress.Parse(address));

    public override string ToString() => Pod?.Key ?? Address?.ToString() ?? "<nothing>";
}
