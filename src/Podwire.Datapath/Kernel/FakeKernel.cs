using System.Text;

namespace Podwire.Datapath.Kernel;

/// <summary>
/// A kernel in memory, for unit tests of the lab without root, in the manner of knftables' fake:
/// it keeps what a script would leave behind (namespaces, sysctls, links, addresses, routes,
/// neighbours, FDB entries, nftables tables) and refuses what the kernel would refuse (a link or
/// route that exists, a delete of something missing, a namespace that does not exist), with the
/// kernel's wording. Each <see cref="Apply"/> and <see cref="Nft"/> is a transaction: it is checked
/// whole against a copy and takes effect only if every line passes, so a test can assert that a
/// failed step left nothing half-done. <see cref="Dump"/> prints the state in a stable order.
/// </summary>
public sealed class FakeKernel(string etcNetnsRoot) : INodeKernel
{
    private sealed class Ns
    {
        public SortedDictionary<string, string> Sysctls { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Links { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Addresses { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<string, string> Routes { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<string, string> Neighbours { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Fdb { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<string, string> Tables { get; } = new(StringComparer.Ordinal);

        public Ns Copy()
        {
            var c = new Ns();
            foreach (var (k, v) in Sysctls) c.Sysctls[k] = v;
            c.Links.UnionWith(Links);
            c.Addresses.UnionWith(Addresses);
            foreach (var (k, v) in Routes) c.Routes[k] = v;
            foreach (var (k, v) in Neighbours) c.Neighbours[k] = v;
            c.Fdb.UnionWith(Fdb);
            foreach (var (k, v) in Tables) c.Tables[k] = v;
            return c;
        }
    }

    private readonly SortedDictionary<string, Ns> _namespaces = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    // veth pairs across namespaces: deleting one end's namespace deletes the other end, as in the kernel.
    private readonly Dictionary<(string Netns, string Link), (string Netns, string Link)> _pairs = [];

    /// <summary>Lines (ip, bridge or nft) for which the kernel answers with this error: failure injection.</summary>
    public Func<string, string?>? FailWhen { get; set; }

    /// <summary>Every transaction that took effect, in order ("netns: what"), for tests that count kernel round trips.</summary>
    public List<string> Transactions { get; } = [];

    public string EtcNetnsRoot => etcNetnsRoot;

    public void CreateNamespaces(IReadOnlyList<string> names)
    {
        lock (_gate)
        {
            foreach (var n in names)
                if (_namespaces.ContainsKey(n)) throw new DatapathException($"ip -batch failed: Cannot create namespace file \"/run/netns/{n}\": File exists");
            foreach (var n in names) _namespaces[n] = new Ns { Sysctls = { ["net/ipv4/ip_forward"] = "0" } };
            Transactions.Add($"host: netns add {names.Count}");
        }
    }

    public void DeleteNamespaces(IReadOnlyList<string> names)
    {
        lock (_gate)
        {
            foreach (var n in names)
            {
                if (!_namespaces.Remove(n, out var gone)) continue;
                foreach (var link in gone.Links)
                    if (_pairs.Remove((n, link), out var peer))
                    {
                        _pairs.Remove(peer);
                        if (_namespaces.TryGetValue(peer.Netns, out var other)) other.Links.Remove(peer.Link);
                    }
            }
            Transactions.Add($"host: netns del {names.Count}");
        }
    }

    public IReadOnlyList<string> ListNamespaces(string prefix)
    {
        lock (_gate) return [.. _namespaces.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))];
    }

    public bool NamespaceExists(string name)
    {
        lock (_gate) return _namespaces.ContainsKey(name);
    }

    public void Apply(NodeScript s)
    {
        lock (_gate)
        {
            var ns = Get(s.Netns).Copy();
            var peers = new List<(string Netns, string Link, string Local)>();
            foreach (var (k, v) in s.Sysctls) ns.Sysctls[Key(k)] = v;
            foreach (var line in s.Ip) Ip(ns, line, s.Netns, peers);
            foreach (var line in s.Bridge) Bridge(ns, line, s.Netns);
            if (s.Nft.Count > 0) NftInto(ns, string.Join("\n", s.Nft), s.Netns);
            foreach (var (other, link, _) in peers)
                if (!_namespaces.TryGetValue(other, out var o) || o.Links.Contains(link))
                    throw new DatapathException($"ip -n {s.Netns} -batch failed: veth peer {link} cannot be created in {other}");
            _namespaces[s.Netns] = ns;
            foreach (var (other, link, local) in peers)
            {
                _namespaces[other].Links.Add(link);
                _pairs[(s.Netns, local)] = (other, link);
                _pairs[(other, link)] = (s.Netns, local);
            }
            Transactions.Add($"{s.Netns}: script");
        }
    }

    public CommandResult Nft(string netns, string ruleset)
    {
        lock (_gate)
        {
            if (!_namespaces.TryGetValue(netns, out var current)) return new CommandResult(1, "", $"Error: no network namespace {netns}");
            var ns = current.Copy();
            try { NftInto(ns, ruleset, netns); }
            catch (DatapathException e) { return new CommandResult(1, "", e.Message); }
            _namespaces[netns] = ns;
            Transactions.Add($"{netns}: nft");
            return new CommandResult(0, "", "");
        }
    }

    public string? ReadSysctl(string netns, string key)
    {
        lock (_gate) return Get(netns).Sysctls.TryGetValue(Key(key), out var v) ? v : null;
    }

    public void WriteSysctl(string netns, string key, string value)
    {
        lock (_gate) Get(netns).Sysctls[Key(key)] = value;
    }

    public IReadOnlyList<string> SetGsoMaxSize(string netns, uint size)
    {
        lock (_gate) Get(netns).Sysctls["link/gso_max_size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return [];
    }

    /// <summary>The nft table text in <paramref name="netns"/> ("family name"), or null.</summary>
    public string? Table(string netns, string familyAndName)
    {
        lock (_gate) return Get(netns).Tables.TryGetValue(familyAndName, out var t) ? t : null;
    }

    /// <summary>Routes in <paramref name="netns"/>: destination → the rest of the route line.</summary>
    public IReadOnlyDictionary<string, string> Routes(string netns)
    {
        lock (_gate) return new Dictionary<string, string>(Get(netns).Routes);
    }

    /// <summary>Every namespace with what it holds, sorted: the whole state as a golden-friendly text.</summary>
    public string Dump()
    {
        var sb = new StringBuilder();
        lock (_gate)
        {
            foreach (var (name, ns) in _namespaces)
            {
                sb.Append("netns ").Append(name).Append('\n');
                foreach (var (k, v) in ns.Sysctls) sb.Append("  sysctl ").Append(k).Append('=').Append(v).Append('\n');
                foreach (var l in ns.Links) sb.Append("  link ").Append(l).Append('\n');
                foreach (var a in ns.Addresses) sb.Append("  addr ").Append(a).Append('\n');
                foreach (var (d, r) in ns.Routes) sb.Append("  route ").Append(d).Append(' ').Append(r).Append('\n');
                foreach (var (a, n) in ns.Neighbours) sb.Append("  neigh ").Append(a).Append(' ').Append(n).Append('\n');
                foreach (var f in ns.Fdb) sb.Append("  fdb ").Append(f).Append('\n');
                foreach (var t in ns.Tables.Keys) sb.Append("  table ").Append(t).Append('\n');
            }
        }
        return sb.ToString();
    }

    private Ns Get(string netns) =>
        _namespaces.TryGetValue(netns, out var ns) ? ns : throw new DatapathException($"ip -n {netns} -batch failed: Cannot open network namespace \"{netns}\": No such file or directory");

    private static string Key(string key) => key.Replace('.', '/');

    private void Fail(string line, string netns, string tool)
    {
        if (FailWhen?.Invoke(line) is { } error) throw new DatapathException($"{tool} in {netns} failed: {error}");
    }

    private void Ip(Ns ns, string line, string netns, List<(string Netns, string Link, string Local)> peers)
    {
        Fail(line, netns, "ip -batch");
        var w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string Rest(int from) => string.Join(' ', w.Skip(from));
        DatapathException Error(string why) => new($"ip -n {netns} -batch failed: {why} (line \"{line}\")");
        switch (w)
        {
            case ["link", "add", var name, .. var more]:
                if (!ns.Links.Add(name)) throw Error("RTNETLINK answers: File exists");
                // A veth's peer may be created straight into another namespace.
                if (Array.IndexOf(more, "peer") is int p and >= 0 && p + 2 < more.Length && more[p + 1] == "name")
                {
                    int at = Array.IndexOf(more, "netns", p);
                    if (at < 0) { if (!ns.Links.Add(more[p + 2])) throw Error("RTNETLINK answers: File exists"); }
                    else if (at + 1 < more.Length) peers.Add((more[at + 1], more[p + 2], name));
                }
                break;
            case ["link", "del", var name, ..]:
                if (!ns.Links.Remove(name)) throw Error($"Cannot find device \"{name}\"");
                break;
            case ["link", "set", var name, ..]:
                if (name != "lo" && !ns.Links.Contains(name)) throw Error($"Cannot find device \"{name}\"");
                break;
            case ["addr", "add", var addr, "dev", var dev, ..]:
                if (dev != "lo" && !ns.Links.Contains(dev)) throw Error($"Cannot find device \"{dev}\"");
                if (!ns.Addresses.Add(addr + " dev " + dev)) throw Error("RTNETLINK answers: File exists");
                break;
            case ["route", "add", var dst, ..]:
                if (!ns.Routes.TryAdd(dst, Rest(3))) throw Error("RTNETLINK answers: File exists");
                break;
            case ["route", "replace", var dst, ..]:
                ns.Routes[dst] = Rest(3);
                break;
            case ["route", "del", var dst, ..]:
                if (!ns.Routes.Remove(dst)) throw Error("RTNETLINK answers: No such process");
                break;
            case ["neigh", "replace", var addr, ..]:
                ns.Neighbours[addr] = Rest(3);
                break;
            case ["neigh", "del", var addr, ..]:
                if (!ns.Neighbours.Remove(addr)) throw Error("RTNETLINK answers: No such file or directory");
                break;
            default:
                throw Error("the fake kernel does not know this command; teach it (FakeKernel.Ip)");
        }
    }

    private void Bridge(Ns ns, string line, string netns)
    {
        Fail(line, netns, "bridge -batch");
        var w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (w)
        {
            case ["fdb", "append", .. var rest]:
                ns.Fdb.Add(string.Join(' ', rest));
                break;
            case ["fdb", "del", .. var rest]:
                if (!ns.Fdb.Remove(string.Join(' ', rest))) throw new DatapathException($"bridge -n {netns} -batch failed: RTNETLINK answers: No such file or directory");
                break;
            default:
                throw new DatapathException($"bridge -n {netns} -batch failed: the fake kernel does not know \"{line}\"");
        }
    }

    // nft -f at the level the lab uses it: whole tables declared, deleted, flushed, or added to.
    private void NftInto(Ns ns, string ruleset, string netns)
    {
        DatapathException NoSuch() => new($"nft in {netns} failed: Error: Could not process rule: No such file or directory");
        var lines = ruleset.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            Fail(line, netns, "nft");
            var w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (w is ["add", "table", ..]) w = w[1..];
            if (w.Length < 3) throw new DatapathException($"nft in {netns} failed: Error: syntax error near \"{line}\"");
            var key = w[0] == "table" ? w[1] + " " + w[2] : w.Length >= 4 ? w[2] + " " + w[3] : "";
            switch (w[0], w[1])
            {
                case ("table", _) when w.Length > 3 && w[3].StartsWith('{'):
                {
                    int depth = 0, start = i;
                    for (; i < lines.Length; i++)
                    {
                        depth += lines[i].Count(c => c == '{') - lines[i].Count(c => c == '}');
                        if (depth == 0) break;
                    }
                    if (depth != 0) throw new DatapathException($"nft in {netns} failed: Error: syntax error, unexpected end of file");
                    ns.Tables[key] = (ns.Tables.TryGetValue(key, out var old) && old.Length > 0 ? old + "\n" : "") + string.Join("\n", lines[start..(i + 1)]);
                    break;
                }
                case ("table", _):
                    ns.Tables.TryAdd(key, "");
                    break;
                case ("delete", "table"):
                    if (!ns.Tables.Remove(key)) throw NoSuch();
                    break;
                case ("destroy", "table"):
                    ns.Tables.Remove(key);
                    break;
                case ("flush", "table"):
                    if (!ns.Tables.ContainsKey(key)) throw NoSuch();
                    ns.Tables[key] = "";
                    break;
                case ("add" or "insert" or "delete" or "flush" or "create" or "replace", _) when w.Length >= 4:
                    if (!ns.Tables.TryGetValue(key, out var t)) throw NoSuch();
                    ns.Tables[key] = t + "\n" + line;
                    break;
                default:
                    throw new DatapathException($"nft in {netns} failed: Error: syntax error near \"{line}\"");
            }
        }
    }
}
