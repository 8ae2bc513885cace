using System.Net.Sockets;
using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>Node pod CIDRs (at most one per family, and podCIDRs[0] is podCIDR) and addresses.</summary>
public static class NodeRules
{
    private static readonly string[] AddressTypes = ["Hostname", "InternalIP", "ExternalIP", "InternalDNS", "ExternalDNS"];

    public static void Check(ProblemSink sink, V1Node node)
    {
        var spec = node.Spec;
        if (spec is not null)
        {
            if (!string.IsNullOrEmpty(spec.PodCIDR)) IpRules.CheckCidr(sink, "spec.podCIDR", spec.PodCIDR);
            CheckPodCidrs(sink, spec);
        }
        var addrs = node.Status?.Addresses;
        if (addrs is null) return;
        for (int i = 0; i < addrs.Count; i++)
        {
            var a = addrs[i];
            string path = $"status.addresses[{i}]";
            if (a is null) continue;
            var type = a.Type ?? "";
            if (Array.IndexOf(AddressTypes, type) < 0) sink.Add(path + ".type", FieldErrors.Unsupported(type, AddressTypes));
            if (string.IsNullOrEmpty(a.Address)) { sink.Add(path + ".address", FieldErrors.Required); continue; }
            if (type is "InternalIP" or "ExternalIP") IpRules.CheckIp(sink, path + ".address", a.Address);
            else if (type is "Hostname" or "InternalDNS" or "ExternalDNS")
                NameRules.Report(sink, path + ".address", a.Address, NameRules.Dns1123Subdomain(a.Address));
        }
    }

    private static void CheckPodCidrs(ProblemSink sink, V1NodeSpec spec)
    {
        var list = spec.PodCIDRs;
        if (list is null || list.Count == 0) return;
        if (list.Count > 2) sink.Add("spec.podCIDRs", FieldErrors.TooMany(list.Count, 2));
        bool v4 = false, v6 = false, twice = false;
        for (int i = 0; i < list.Count; i++)
        {
            if (IpRules.CheckCidr(sink, $"spec.podCIDRs[{i}]", list[i]) is not { } c) continue;
            if (c.IsIPv4 ? v4 : v6) twice = true;
            if (c.IsIPv4) v4 = true; else v6 = true;
        }
        if (twice) sink.Add("spec.podCIDRs", FieldErrors.InvalidRaw(FieldErrors.GoList(list), "may specify no more than one CIDR for each IP family"));
        if (!string.IsNullOrEmpty(spec.PodCIDR) && list[0] != spec.PodCIDR)
            sink.Add("spec.podCIDRs[0]", FieldErrors.Invalid(list[0] ?? "", "must match `spec.podCIDR`"));
    }
}
