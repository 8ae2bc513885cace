namespace Podwire.Datapath;

/// <summary>
/// Runs nft in named network namespaces: in-process through libnftables when it loads
/// (<see cref="NftLibrary"/>, one context per namespace, kept), else as
/// <c>nsenter --net=/run/netns/NAME nft …</c> through <paramref name="runner"/> (nsenter rather
/// than <c>ip netns exec</c>: nft needs only the network namespace, and ip netns exec's private
/// mount namespace costs milliseconds per call). Arguments are the nft command line: <c>-f -</c>
/// with the script as stdin, or a command such as <c>list chains ip</c>. Thread-safe.
/// </summary>
public sealed class NftRunner(ICommandRunner runner, bool inProcess = true) : IDisposable
{
    private readonly Dictionary<string, NftLibrary> _contexts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public bool InProcess => inProcess && NftLibrary.Available;

    public CommandResult Run(string netns, IReadOnlyList<string> args, string? stdin = null)
    {
        if (!InProcess)
            return runner.Run("nsenter", ["--net=" + Netns.PathOf(netns), "nft", .. args], stdin);
        NftLibrary? lib;
        lock (_gate)
        {
            if (!_contexts.TryGetValue(netns, out lib))
            {
                lib = NftLibrary.TryOpen(netns);
                if (lib is null) return runner.Run("nsenter", ["--net=" + Netns.PathOf(netns), "nft", .. args], stdin);
                _contexts[netns] = lib;
            }
        }
        string commands = args is ["-f", "-"] ? stdin ?? "" : string.Join(' ', args);
        return lib.Run(commands);
    }

    /// <summary>Drops the context of <paramref name="netns"/>: the namespace was (or may have been) recreated.</summary>
    public void Reset(string netns)
    {
        NftLibrary? lib;
        lock (_gate) _contexts.Remove(netns, out lib);
        lib?.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var l in _contexts.Values) l.Dispose();
            _contexts.Clear();
        }
    }
}
