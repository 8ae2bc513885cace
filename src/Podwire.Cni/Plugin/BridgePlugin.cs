using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Podwire.Cni.Ipam;
using Podwire.Cni.Kernel;
using Podwire.Datapath;
using Podwire.Model.Net;

namespace Podwire.Cni.Plugin;

/// <summary>
/// podwire-cni's main plugin: Flannel's bridge mode. Runs in the node's namespace; each pod gets
/// a veth pair whose host end is a port of the bridge (default cni0, holding the gateway address)
/// and whose other end is created directly inside the pod namespace as CNI_IFNAME with the IPAM
/// address and a default route via the gateway. Names and MACs derive from (containerID, ifname),
/// so DEL needs no state, and steady-state ADD costs two `ip -batch` processes.
/// </summary>
public sealed class BridgePlugin(ICommandRunner runner, Func<string, bool>? linkExists = null, Func<string, bool>? netnsExists = null)
{
    private readonly NetnsIp _ip = new(runner);
    private readonly IpamClient _ipam = new(runner);
    private readonly Func<string, bool> _linkExists = linkExists ?? NetnsIp.LocalLinkExists;
    private readonly Func<string, bool> _netnsExists = netnsExists ?? File.Exists;

    public PluginOutput Execute(CniEnv env, NetConf conf) => env.Command switch
    {
        "ADD" => Add(env, conf),
        "DEL" => Del(env, conf),
        "CHECK" => Check(env, conf),
        "STATUS" => Status(env, conf),
        "GC" => Gc(env, conf),
        _ => Fail(conf, CniCodes.InvalidEnvironment, $"unknown CNI_COMMAND {env.Command}"),
    };

    private PluginOutput Add(CniEnv env, NetConf conf)
    {
        if (!_netnsExists(env.Netns!)) return Fail(conf, CniCodes.UnknownContainer, $"netns {env.Netns} does not exist");
        if (conf.Ipam is null) return Fail(conf, CniCodes.InvalidConfig, "podwire-cni needs an ipam section");
        var ipamType = Json.Str(conf.Ipam, "type")!;

        var ipamOut = _ipam.Run("ADD", env, conf.Raw, ipamType);
        if (!ipamOut.Ok) return ipamOut with { CniVersion = conf.CniVersion };
        var ipamResult = CniResult.Parse(ipamOut.Result!);

        var plan = Plan(env, conf, ipamResult, out var planError);
        var problem = planError ?? Apply(env, conf, plan!);
        if (problem is not null)
        {
            // Undo so a failed ADD leaks neither an address nor a half-built veth.
            Teardown(env);
            _ipam.Run("DEL", env, conf.Raw, ipamType);
            return Fail(conf, planError is null ? CniCodes.IoFailure : CniCodes.InvalidConfig, "podwire-cni ADD failed", problem);
        }
        return PluginOutput.Success(BuildResult(env, conf, plan!, ipamResult).ToJson(conf.CniVersion));
    }

    /// <summary>What ADD will configure, computed before touching the kernel.</summary>
    private sealed record AddPlan(string HostVeth, string HostMac, string ContainerMac, List<(string Address, IPAddress Gateway, int Prefix)> Ips, List<CniRoute> Routes);

    private static AddPlan? Plan(CniEnv env, NetConf conf, CniResult ipam, out string? problem)
    {
        problem = null;
        var ips = new List<(string, IPAddress, int)>();
        foreach (var ip in ipam.Ips)
        {
            if (!Cidr.TryParse(ip.Address, out var net)) { problem = $"IPAM returned a bad address \"{ip.Address}\""; return null; }
            var slash = ip.Address.IndexOf('/');
            var gw = ip.Gateway is not null && IPAddress.TryParse(ip.Gateway, out var g) ? g : net.AddressAt(1);
            ips.Add((ip.Address[..slash], gw, net.PrefixLength));
        }
        if (ips.Count == 0) { problem = "IPAM returned no address"; return null; }

        // A default route per family via the gateway (Flannel's isDefaultGateway), plus IPAM's routes.
        var routes = new List<CniRoute>();
        foreach (var (addr, gw, _) in ips)
        {
            var dst = addr.Contains(':') ? "::/0" : "0.0.0.0/0";
            if (!routes.Exists(r => r.Dst == dst)) routes.Add(new CniRoute(dst, gw.ToString()));
        }
        foreach (var r in ipam.Routes)
            if (!routes.Exists(x => x.Dst == r.Dst)) routes.Add(r);

        return new AddPlan(Names.HostVeth(env.ContainerId!, env.IfName!), Names.HostMac(env.ContainerId!, env.IfName!),
            Names.ContainerMac(env.ContainerId!, env.IfName!), ips, routes);
    }

    private string? Apply(CniEnv env, NetConf conf, AddPlan plan)
    {
        var mtu = conf.Mtu is int m ? $" mtu {m}" : "";
        if (!_linkExists(conf.Bridge))
        {
            var gw0 = plan.Ips[0].Gateway.ToString();
            var err = _ip.Batch(null, [$"link add {conf.Bridge} address {Names.BridgeMac(conf.Bridge, gw0)}{mtu} type bridge"]);
            // A parallel ADD may have created it first; only a still-missing bridge is a failure.
            if (err is not null && !_linkExists(conf.Bridge)) return $"creating bridge {conf.Bridge}: {err}";
        }
        if (_linkExists(plan.HostVeth)) return $"host interface {plan.HostVeth} for {env.ContainerId}/{env.IfName} already exists";

        var host = new List<string> { $"link set {conf.Bridge} up" };
        foreach (var (_, gw, prefix) in plan.Ips) host.Add($"addr replace {gw}/{prefix} dev {conf.Bridge}");
        host.Add($"link add {plan.HostVeth}{mtu} address {plan.HostMac} type veth peer name {env.IfName}{mtu} address {plan.ContainerMac} netns {env.Netns}");
        host.Add($"link set {plan.HostVeth} master {conf.Bridge}");
        if (conf.HairpinMode) host.Add($"link set {plan.HostVeth} type bridge_slave hairpin on");
        host.Add($"link set {plan.HostVeth} up");
        var hostErr = _ip.Batch(null, host);
        if (hostErr is not null) return $"node side: {hostErr}";

        var pod = new List<string> { "link set lo up", $"link set {env.IfName} up" };
        foreach (var (addr, _, prefix) in plan.Ips) pod.Add($"addr add {addr}/{prefix} dev {env.IfName}");
        foreach (var r in plan.Routes) pod.Add($"route add {r.Dst}{(r.Gw is null ? "" : " via " + r.Gw)} dev {env.IfName}");
        var podErr = _ip.Batch(env.Netns, pod);
        if (podErr is not null) return $"pod side: {podErr}";

        EnableForwarding();
        return null;
    }

    /// <summary>The node routes between its bridge and the overlay, so it must forward (Flannel's isGateway).</summary>
    private static void EnableForwarding()
    {
        const string path = "/proc/sys/net/ipv4/ip_forward";
        try
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() != "1") File.WriteAllText(path, "1");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"podwire-cni: cannot enable ip_forward: {e.Message}");
        }
    }

    private static CniResult BuildResult(CniEnv env, NetConf conf, AddPlan plan, CniResult ipam)
    {
        // Chained after an interface plugin (unusual), the earlier interfaces and addresses stay.
        var prev = conf.PrevResult is null ? null : CniResult.Parse(conf.PrevResult);
        var interfaces = new List<CniInterface>(prev?.Interfaces ?? []);
        var ips = new List<CniIp>(prev?.Ips ?? []);
        var routes = new List<CniRoute>(prev?.Routes ?? []);
        int hostIdx = interfaces.Count;
        interfaces.Add(new CniInterface(plan.HostVeth, plan.HostMac, conf.Mtu));
        interfaces.Add(new CniInterface(env.IfName!, plan.ContainerMac, conf.Mtu, env.Netns));
        foreach (var (addr, gw, prefix) in plan.Ips) ips.Add(new CniIp($"{addr}/{prefix}", gw.ToString(), hostIdx + 1));
        routes.AddRange(plan.Routes);
        var dns = !conf.Dns.IsEmpty ? conf.Dns : !ipam.Dns.IsEmpty ? ipam.Dns : prev?.Dns ?? CniDns.Empty;
        return new CniResult(interfaces, ips, routes, dns);
    }

    private PluginOutput Del(CniEnv env, NetConf conf)
    {
        // IPAM first and always: the address must come back even when the netns is long gone.
        PluginOutput? ipamOut = conf.Ipam is null ? null : _ipam.Run("DEL", env, conf.Raw, Json.Str(conf.Ipam, "type")!);
        var linkErr = Teardown(env);
        if (ipamOut is { Ok: false }) return ipamOut with { CniVersion = conf.CniVersion };
        return linkErr is null ? PluginOutput.Success(null) : Fail(conf, CniCodes.IoFailure, "podwire-cni DEL failed", linkErr);
    }

    /// <summary>Deletes the host veth (its peer goes with it); nothing to do when already gone.</summary>
    private string? Teardown(CniEnv env)
    {
        var veth = Names.HostVeth(env.ContainerId!, env.IfName!);
        if (!_linkExists(veth)) return null;
        var err = _ip.Batch(null, [$"link del {veth}"]);
        return err is null || !_linkExists(veth) ? null : err;
    }

    private PluginOutput Check(CniEnv env, NetConf conf)
    {
        if (conf.PrevResult is null) return Fail(conf, CniCodes.InvalidConfig, "CHECK needs prevResult");
        if (!_netnsExists(env.Netns!)) return Fail(conf, CniCodes.UnknownContainer, $"netns {env.Netns} does not exist");
        var prev = CniResult.Parse(conf.PrevResult);
        int idx = -1;
        for (int i = 0; i < prev.Interfaces.Count; i++)
            if (prev.Interfaces[i].Name == env.IfName && prev.Interfaces[i].Sandbox == env.Netns) idx = i;
        if (idx < 0) return Fail(conf, CniCodes.CheckFailed, $"prevResult lists no interface {env.IfName} in {env.Netns}");

        if (conf.Ipam is not null)
        {
            var ipamOut = _ipam.Run("CHECK", env, conf.Raw, Json.Str(conf.Ipam, "type")!);
            if (!ipamOut.Ok) return ipamOut with { CniVersion = conf.CniVersion };
        }

        var veth = Names.HostVeth(env.ContainerId!, env.IfName!);
        var hostLink = _ip.Run(null, ["-j", "link", "show", "dev", veth]);
        if (!hostLink.Ok) return Fail(conf, CniCodes.CheckFailed, $"host veth {veth} is missing", hostLink.Stderr.Trim());
        var master = FirstString(hostLink.Stdout, "master");
        if (master != conf.Bridge) return Fail(conf, CniCodes.CheckFailed, $"host veth {veth} is attached to \"{master}\", not {conf.Bridge}");

        var podAddr = _ip.Run(env.Netns, ["-j", "addr", "show", "dev", env.IfName!]);
        if (!podAddr.Ok) return Fail(conf, CniCodes.CheckFailed, $"interface {env.IfName} is missing in {env.Netns}", podAddr.Stderr.Trim());
        var have = Addresses(podAddr.Stdout);
        foreach (var ip in prev.Ips)
            if ((ip.Interface ?? idx) == idx && !have.Contains(ip.Address))
                return Fail(conf, CniCodes.CheckFailed, $"address {ip.Address} is missing on {env.IfName} in {env.Netns}");
        return PluginOutput.Success(null);
    }

    private PluginOutput Status(CniEnv env, NetConf conf)
    {
        if (conf.Ipam is null) return PluginOutput.Success(null);
        var ipamOut = _ipam.Run("STATUS", env, conf.Raw, Json.Str(conf.Ipam, "type")!);
        if (ipamOut.Ok) return ipamOut;
        var e = ipamOut.Error!;
        return e.Code is CniCodes.Unavailable or CniCodes.UnavailableDegraded
            ? ipamOut with { CniVersion = conf.CniVersion }
            : Fail(conf, CniCodes.Unavailable, "IPAM is not available", e.ToString());
    }

    private PluginOutput Gc(CniEnv env, NetConf conf)
    {
        // Veths of deleted pods vanish with their namespace; what leaks is addresses, so GC is IPAM's.
        if (conf.Ipam is null) return PluginOutput.Success(null);
        var ipamOut = _ipam.Run("GC", env, conf.Raw, Json.Str(conf.Ipam, "type")!);
        return ipamOut.Ok ? ipamOut : ipamOut with { CniVersion = conf.CniVersion };
    }

    private static string? FirstString(string json, string key)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            foreach (var l in doc.RootElement.EnumerateArray())
                if (l.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String) return v.GetString();
        }
        catch (JsonException) { }
        return null;
    }

    private static HashSet<string> Addresses(string json)
    {
        var set = new HashSet<string>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            foreach (var l in doc.RootElement.EnumerateArray())
                if (l.TryGetProperty("addr_info", out var infos))
                    foreach (var a in infos.EnumerateArray())
                        set.Add($"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
        return set;
    }

    private static PluginOutput Fail(NetConf conf, int code, string msg, string details = "") =>
        PluginOutput.Fail(new CniError(code, msg, details), conf.CniVersion);
}
