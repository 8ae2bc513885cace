using System.Net.Sockets;
using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>ValidateEndpointSlice (discovery.k8s.io/v1): address type, addresses, endpoint and port limits.</summary>
public static class EndpointSliceRules
{
    private static readonly string[] AddressTypes = ["IPv4", "IPv6", "FQDN"];
    public const int MaxEndpoints = 1000;
    public const int MaxAddresses = 100;
    public const int MaxPorts = 100;

    public static void Check(ProblemSink sink, V1EndpointSlice slice)
    {
        var type = slice.AddressType;
        bool knownType = true;
        if (string.IsNullOrEmpty(type)) { sink.Add("addressType", FieldErrors.Required); knownType = false; }
        else if (Array.IndexOf(AddressTypes, type) < 0) { sink.Add("addressType", FieldErrors.Unsupported(type, AddressTypes)); knownType = false; }

        var endpoints = slice.Endpoints;
        if (endpoints is not null)
        {
            if (endpoints.Count > MaxEndpoints) sink.Add("endpoints", FieldErrors.TooMany(endpoints.Count, MaxEndpoints));
            for (int i = 0; i < endpoints.Count; i++) CheckEndpoint(sink, $"endpoints[{i}]", endpoints[i], knownType ? type : null);
        }
        CheckPorts(sink, slice.Ports);
    }

    private static void CheckEndpoint(ProblemSink sink, string path, V1Endpoint? ep, string? type)
    {
        if (ep is null) { sink.Add(path, FieldErrors.Required); return; }
        var addrs = ep.Addresses;
        if (addrs is null || addrs.Count == 0) sink.Add(path + ".addresses", FieldErrors.RequiredWith("must contain at least 1 address"));
        else
        {
            if (addrs.Count > MaxAddresses) sink.Add(path + ".addresses", FieldErrors.TooMany(addrs.Count, MaxAddresses));
            for (int j = 0; j < addrs.Count; j++) CheckAddress(sink, $"{path}.addresses[{j}]", addrs[j] ?? "", type);
        }
        if (!string.IsNullOrEmpty(ep.Hostname))
            NameRules.Report(sink, path + ".hostname", ep.Hostname, NameRules.Dns1123Label(ep.Hostname));
        if (!string.IsNullOrEmpty(ep.NodeName))
            NameRules.Report(sink, path + ".nodeName", ep.NodeName, NameRules.Dns1123Subdomain(ep.NodeName));
    }

    private static void CheckAddress(ProblemSink sink, string path, string address, string? type)
    {
        switch (type)
        {
            case "IPv4":
            case "IPv6":
                bool v4 = type == "IPv4";
                if (!IpRules.TryParseIp(address, out var ip)) sink.Add(path, FieldErrors.Invalid(address, IpRules.IpMessage));
                else if ((ip.AddressFamily == AddressFamily.InterNetwork) != v4)
                    sink.Add(path, FieldErrors.Invalid(address, v4 ? "must be an IPv4 address" : "must be an IPv6 address"));
                break;
            case "FQDN":
                NameRules.Report(sink, path, address, NameRules.Dns1123Subdomain(address));
                break;
        }
    }

    private static void CheckPorts(ProblemSink sink, IList<Discoveryv1EndpointPort>? ports)
    {
        if (ports is null) return;
        if (ports.Count > MaxPorts) sink.Add("ports", FieldErrors.TooMany(ports.Count, MaxPorts));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            string path = $"ports[{i}]";
            if (p is null) { sink.Add(path, FieldErrors.Required); continue; }
            // An empty name is allowed (a single unnamed port), but it still counts for uniqueness.
            var name = p.Name ?? "";
            if (name.Length > 0 && NameRules.Dns1123Label(name) is { } errs) NameRules.Report(sink, path + ".name", name, errs);
            else if (!names.Add(name)) sink.Add(path + ".name", FieldErrors.Duplicate(name));
            PortRules.CheckProtocol(sink, path + ".protocol", p.Protocol);
            // A null port means "all ports" (a Service without ports); 0 is not a port.
            if (p.Port is int n) PortRules.CheckNumber(sink, path + ".port", n);
        }
    }
}
