namespace Podwire.Datapath.Kernel;

/// <summary>
/// The real kernel: iproute2 and bridge batches as one process each (<c>ip -n NS -batch -</c>),
/// sysctls read and written in-process from a thread inside the namespace (a sysctl process per
/// node took seconds while hundreds of pod namespaces were fresh), and nft through in-process
/// libnftables or nsenter as <see cref="KernelOptions.InProcessNft"/> says.
/// </summary>
public sealed class LinuxKernel(ICommandRunner runner, KernelOptions? options = null) : INodeKernel, IDisposable
{
    private readonly KernelOptions _options = options ?? new KernelOptions();
    private readonly NftRunner _nft = new(runner, (options ?? new KernelOptions()).InProcessNft);

    public string EtcNetnsRoot => _options.EtcNetnsRoot;

    public void CreateNamespaces(IReadOnlyList<string> names)
    {
        var batch = new IpBatch();
        foreach (var n in names) batch.Add($"netns add {n}");
        batch.Apply(runner);
    }

    public void DeleteNamespaces(IReadOnlyList<string> names)
    {
        var batch = new IpBatch();
        foreach (var n in names)
        {
            batch.Add($"netns del {n}");
            _nft.Reset(n);
        }
        batch.Apply(runner, force: true);
    }

    public IReadOnlyList<string> ListNamespaces(string prefix) => Netns.List(prefix);

    public bool NamespaceExists(string name) => Netns.Exists(name);

    public void Apply(NodeScript s)
    {
        foreach (var (k, v) in s.Sysctls) WriteSysctl(s.Netns, k, v);
        var ip = new IpBatch(s.Netns);
        foreach (var l in s.Ip) ip.Add(l);
        ip.Apply(runner);
        if (s.Bridge.Count > 0)
        {
            var r = runner.Run("bridge", ["-n", s.Netns, "-batch", "-"], string.Join("\n", s.Bridge) + "\n");
            if (!r.Ok) throw new DatapathException($"bridge -n {s.Netns} -batch failed: {r.Stderr.Trim()}");
        }
        if (s.Nft.Count > 0)
        {
            var r = Nft(s.Netns, string.Join("\n", s.Nft) + "\n");
            if (!r.Ok) throw new DatapathException($"nft in {s.Netns} failed: {r.Stderr.Trim()}");
        }
    }

    public CommandResult Nft(string netns, string ruleset)
    {
        var r = _nft.Run(netns, ["-f", "-"], ruleset);
        // Contexts are per namespace and cost ~2.5 MiB each: a node's rules change rarely.
        _nft.Reset(netns);
        return r;
    }

    public string? ReadSysctl(string netns, string key) => Netns.RunIn(netns, () =>
    {
        try { return File.ReadAllText(SysctlKey.Path(key)).Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    });

    public void WriteSysctl(string netns, string key, string value)
    {
        var error = Netns.RunIn(netns, () =>
        {
            try { File.WriteAllText(SysctlKey.Path(key), value); return null; }
            catch (IOException e) { return e.Message; }
            catch (UnauthorizedAccessException e) { return e.Message; }
        });
        if (error is not null) throw new DatapathException($"sysctl {SysctlKey.Dotted(key)}={value} in {netns} failed: {error}");
    }

    public IReadOnlyList<string> SetGsoMaxSize(string netns, uint size) => LinkGsoSizes.Apply(netns, size);

    public void Dispose() => _nft.Dispose();
}
