using System.Net;
using System.Text.Json.Nodes;
using Podwire.Datapath;
using Podwire.Model.Net;

namespace Podwire.Cni.Ipam;

/// <summary>
/// The podwire-ipam plugin: ADD allocates (or returns the attachment's existing lease), DEL
/// releases by (containerID, ifname) and is idempotent, CHECK verifies the lease, GC drops every
/// lease whose attachment is not in <c>cni.dev/attachments</c>. podwire-cni calls it in-process
/// when <c>ipam.type</c> is "podwire-ipam" (same code, one process less); any other runtime or
/// plugin reaches it as the binary named podwire-ipam.
/// </summary>
public static class PodwireIpam
{
    public const string TypeName = "podwire-ipam";

    public static PluginOutput Execute(CniEnv env, JsonObject conf)
    {
        var header = NetConf.ParseHeader(conf, out var error);
        if (header is null) return PluginOutput.Fail(error!);
        var version = header.Value.Version;
        if (env.Command == "VERSION") return PluginOutput.Success(VersionInfo.Json(version));
        if (conf["ipam"] is not JsonObject ipamNode) return PluginOutput.Fail(new CniError(CniCodes.InvalidConfig, "ipam section missing"), version);
        var cfg = IpamConfig.Parse(header.Value.Name, ipamNode, out error);
        if (cfg is null) return PluginOutput.Fail(error!, version);
        var store = new IpamStore(cfg.StoreDir);
        try
        {
            return env.Command switch
            {
                "ADD" => Add(env, conf, cfg, store, version),
                "DEL" => Del(env, store, version),
                "CHECK" => Check(env, store, version),
                "GC" => Gc(conf, store, version),
                "STATUS" => Status(store, version),
                _ => PluginOutput.Fail(new CniError(CniCodes.InvalidEnvironment, $"unknown CNI_COMMAND {env.Command}"), version),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DatapathException)
        {
            return PluginOutput.Fail(new CniError(CniCodes.IoFailure, $"IPAM store {cfg.StoreDir}: {e.Message}"), version);
        }
    }

    private static PluginOutput Add(CniEnv env, JsonObject conf, IpamConfig cfg, IpamStore store, string version)
    {
        var requested = RequestedIps(env, conf, out var reqError);
        if (reqError is not null) return PluginOutput.Fail(reqError, version);
        IPAddress? ip;
        using (store.Lock())
        {
            var leases = store.Leases();
            var existing = leases.FirstOrDefault(l => l.ContainerId == env.ContainerId && l.IfName == env.IfName);
            if (requested.Count > 0)
            {
                ip = requested[0];
                if (!cfg.InRange(ip) || ip.Equals(cfg.Gateway))
                    return PluginOutput.Fail(new CniError(CniCodes.AddressUnavailable, $"requested IP {ip} is not in range {cfg.RangeStart}-{cfg.RangeEnd} of {cfg.Subnet} (or is the gateway)"), version);
                var holder = store.Holder(ip);
                if (holder is not null && (holder.ContainerId != env.ContainerId || holder.IfName != env.IfName))
                    return PluginOutput.Fail(new CniError(CniCodes.AddressUnavailable, $"requested IP {ip} is already allocated to {holder.ContainerId}/{holder.IfName}"), version);
                if (holder is null && !store.TryReserve(ip, env.ContainerId!, env.IfName!))
                    return PluginOutput.Fail(new CniError(CniCodes.AddressUnavailable, $"requested IP {ip} is taken"), version);
            }
            else if (existing is not null)
            {
                // A retried ADD for the same attachment gets the same address, never a second one.
                ip = existing.Address;
            }
            else
            {
                ip = Allocate(cfg, store, leases, env.ContainerId!, env.IfName!);
                if (ip is null)
                    return PluginOutput.Fail(new CniError(CniCodes.NoFreeAddress, $"no free address in {cfg.RangeStart}-{cfg.RangeEnd} ({cfg.Subnet})"), version);
            }
        }
        var result = new CniResult([], [new CniIp($"{ip}/{cfg.Subnet.PrefixLength}", cfg.Gateway.ToString())], cfg.Routes, CniDns.Empty);
        return PluginOutput.Success(result.ToJson(version));
    }

    /// <summary>Round-robin from the last reserved address, skipping the gateway and taken ones.</summary>
    private static IPAddress? Allocate(IpamConfig cfg, IpamStore store, List<IpamLease> leases, string id, string ifName)
    {
        var taken = new HashSet<IPAddress>(leases.Count);
        foreach (var l in leases) taken.Add(l.Address);
        var first = IpMath.ToValue(cfg.RangeStart);
        var last = IpMath.ToValue(cfg.RangeEnd);
        var count = last - first + 1;
        var last0 = store.LastReservedAddress();
        UInt128 startOffset = last0 is not null && cfg.InRange(last0) ? (IpMath.ToValue(last0) - first + 1) % count : 0;
        for (UInt128 i = 0; i < count; i++)
        {
            var candidate = IpMath.FromValue(first + (startOffset + i) % count, cfg.Subnet.IsIPv4);
            if (candidate.Equals(cfg.Gateway) || taken.Contains(candidate)) continue;
            if (store.TryReserve(candidate, id, ifName)) return candidate;
        }
        return null;
    }

    private static PluginOutput Del(CniEnv env, IpamStore store, string version)
    {
        if (!Directory.Exists(store.Dir)) return PluginOutput.Success(null);
        using (store.Lock())
            foreach (var l in store.Leases())
                if (l.ContainerId == env.ContainerId && l.IfName == env.IfName) store.Release(l.Address);
        return PluginOutput.Success(null);
    }

    private static PluginOutput Check(CniEnv env, IpamStore store, string version)
    {
        using (store.Lock())
            foreach (var l in store.Leases())
                if (l.ContainerId == env.ContainerId && l.IfName == env.IfName) return PluginOutput.Success(null);
        return PluginOutput.Fail(new CniError(CniCodes.CheckFailed, $"podwire-ipam: no address allocated to {env.ContainerId}/{env.IfName}"), version);
    }

    /// <summary>Releases every lease whose attachment is not listed as still valid; errors are collected, not fatal.</summary>
    private static PluginOutput Gc(JsonObject conf, IpamStore store, string version)
    {
        var valid = new HashSet<(string, string)>();
        if (conf["cni.dev/attachments"] is JsonArray atts)
            foreach (var a in atts.OfType<JsonObject>())
                valid.Add((Json.Str(a, "containerID") ?? "", Json.Str(a, "ifname") ?? ""));
        if (!Directory.Exists(store.Dir)) return PluginOutput.Success(null);
        var problems = new List<string>();
        using (store.Lock())
            foreach (var l in store.Leases())
            {
                if (valid.Contains((l.ContainerId, l.IfName))) continue;
                try { store.Release(l.Address); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { problems.Add($"{l.Address}: {e.Message}"); }
            }
        return problems.Count == 0
            ? PluginOutput.Success(null)
            : PluginOutput.Fail(new CniError(CniCodes.IoFailure, $"GC could not release {problems.Count} lease(s)", string.Join("; ", problems)), version);
    }

    private static PluginOutput Status(IpamStore store, string version)
    {
        try
        {
            Directory.CreateDirectory(store.Dir);
            return PluginOutput.Success(null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return PluginOutput.Fail(new CniError(CniCodes.Unavailable, $"IPAM store {store.Dir} is not writable", e.Message), version);
        }
    }

    /// <summary>
    /// Requested addresses, as host-local takes them: CNI_ARGS <c>IP=a.b.c.d</c> (comma-separated),
    /// then <c>args.cni.ips</c>, then <c>runtimeConfig.ips</c>; a "/len" suffix is ignored.
    /// </summary>
    public static List<IPAddress> RequestedIps(CniEnv env, JsonObject conf, out CniError? error)
    {
        error = null;
        var texts = new List<string>();
        if (env.Arg("IP") is string ipArg) texts.AddRange(ipArg.Split(',', StringSplitOptions.RemoveEmptyEntries));
        if (conf["args"] is JsonObject args && args["cni"] is JsonObject cni) texts.AddRange(CniDns.Strings(cni["ips"]));
        if (conf["runtimeConfig"] is JsonObject rc) texts.AddRange(CniDns.Strings(rc["ips"]));
        var list = new List<IPAddress>();
        foreach (var t in texts)
        {
            var s = t.Trim();
            int slash = s.IndexOf('/');
            if (slash >= 0) s = s[..slash];
            if (!IpMath.TryParseStrict(s, out var ip))
            {
                error = new CniError(CniCodes.InvalidConfig, $"requested IP \"{t}\" is not an IP address");
                return [];
            }
            if (!list.Contains(ip)) list.Add(ip);
        }
        return list;
    }
}
