using Podwire.Datapath;

namespace Podwire.Proxy;

/// <summary>
/// How a node's sync went: whether it was a full resync, whether the kernel took it, the nft text
/// sent (bytes), the elements sent over netlink, and what went wrong.
/// </summary>
public sealed record NodeSyncResult(string Node, bool Full, bool Ok, int ScriptBytes, string? Error, int NetlinkElements = 0);

/// <summary>
/// Applies each node's desired state to its kernel: remembers, per node, the state last accepted
/// and turns each new one into a transaction — the whole table on the first sync, the element
/// delta afterwards, and the whole table again after any failure (then the kernel's state is
/// unknown). Two ways to reach the kernel:
/// <list type="bullet">
/// <item>text only (<c>nft -f</c> of <see cref="ProxyRenderer"/>'s scripts): the reference path,
/// one transaction per sync;</item>
/// <item>netlink for elements (<see cref="INftElements"/>), nft text only for the table's skeleton
/// and chains: a full sync is <see cref="ProxyRenderer.RenderSkeleton"/> then ONE netlink batch
/// flushing and refilling every map (the switch is atomic: no moment without elements), then
/// deleting chains nothing uses; a delta is new chains (if any), then one element batch; chains
/// no element uses any more are deleted lazily (see <see cref="MaxUnusedChains"/>).</item>
/// </list>
/// The kernel is behind delegates (node, nft args, stdin) → result and node → elements handle, so
/// the syncer itself does no I/O and is tested with fakes. Thread-safe; nodes sync in parallel.
/// </summary>
public sealed class ProxySyncer : IDisposable
{
    private readonly Func<string, IReadOnlyList<string>, string?, CommandResult> _nft;
    private readonly Func<string, INftElements>? _openElements;
    private readonly Dictionary<string, ProxyState> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, INftElements> _elements = new(StringComparer.Ordinal);
    // Chains in the kernel that no element uses (see MaxUnusedChains), per node.
    private readonly Dictionary<string, HashSet<string>> _unused = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Lock> _nodeGates = new(StringComparer.Ordinal);
    // Guards the dictionaries; a node's sync holds that node's gate for its I/O.
    private readonly Lock _gate = new();

    /// <summary>
    /// Text only: <paramref name="apply"/> (node, script) runs <c>nft -f</c> and returns an error or
    /// null; <paramref name="query"/> (node, args, stdin), when given, runs other nft commands
    /// (listing the affinity map, <see cref="AffinityCleanup"/>).
    /// </summary>
    public ProxySyncer(Func<string, string, string?> apply, Func<string, IReadOnlyList<string>, string?, CommandResult>? query = null)
    {
        _nft = (node, args, script) => args is ["-f", "-"]
            ? apply(node, script ?? "") is { } e ? new CommandResult(1, "", e) : new CommandResult(0, "", "")
            : query?.Invoke(node, args, script) ?? new CommandResult(1, "", "nft " + string.Join(' ', args) + ": not available");
    }

    /// <summary>
    /// Netlink for elements: <paramref name="nft"/> (node, args, stdin) runs nft in the node's
    /// namespace; <paramref name="openElements"/> opens an element handle there. A handle is
    /// opened at the start of every full sync (the namespace may have been recreated: a caller
    /// keeping other per-namespace resources renews them then too) and reused for deltas.
    /// </summary>
    public ProxySyncer(Func<string, IReadOnlyList<string>, string?, CommandResult> nft, Func<string, INftElements> openElements)
    {
        _nft = nft;
        _openElements = openElements;
    }

    public bool UsesNetlink => _openElements is not null;

    /// <summary>The state the kernel holds for <paramref name="node"/>, as far as we know.</summary>
    public ProxyState? Applied(string node)
    {
        lock (_gate) return _applied.GetValueOrDefault(node);
    }

    /// <summary>Forgets a node (its namespace is gone); the next sync for it is full.</summary>
    public void Forget(string node)
    {
        lock (NodeGate(node))
        {
            Set(node, null);
            INftElements? e;
            lock (_gate) _elements.Remove(node, out e);
            e?.Dispose();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var e in _elements.Values) e.Dispose();
            _elements.Clear();
        }
    }

    private Lock NodeGate(string node)
    {
        lock (_gate)
        {
            if (!_nodeGates.TryGetValue(node, out var g)) _nodeGates[node] = g = new Lock();
            return g;
        }
    }

    private void Set(string node, ProxyState? state)
    {
        lock (_gate)
        {
            if (state is null) { _applied.Remove(node); _unused.Remove(node); }
            else _applied[node] = state;
        }
    }

    /// <summary>
    /// Brings <paramref name="node"/> to <paramref name="desired"/>. <paramref name="touched"/>
    /// (from <see cref="ProxyChangeTracker"/>) narrows the delta to the keys that may have changed
    /// when the kernel holds exactly its base state.
    /// </summary>
    public NodeSyncResult Sync(string node, ProxyState desired, ProxyTouched? touched = null)
    {
        lock (NodeGate(node))
        {
            if (Applied(node) is not { } old) return Full(node, desired);
            if (ReferenceEquals(old, desired)) return new NodeSyncResult(node, false, true, 0, null);
            var delta = ProxyDelta.Compute(old, desired, touched);
            if (delta.IsEmpty) { Set(node, desired); return new NodeSyncResult(node, false, true, 0, null); }
            string? error;
            int bytes, elements = 0;
            if (_openElements is null)
            {
                var script = ProxyRenderer.RenderDelta(delta);
                (error, bytes) = (Apply(node, script), script.Length);
            }
            else (error, bytes, elements) = Delta(node, delta);
            if (error is null)
            {
                Set(node, desired);
                if (AffinityCleanup.Needed(delta)) bytes += ForgetStaleAffinity(node, desired);
                return new NodeSyncResult(node, false, true, bytes, null, elements);
            }
            Set(node, null);
            var full = Full(node, desired);
            return full with { Error = full.Ok ? $"incremental sync failed ({error.Trim()}); full resync done" : full.Error };
        }
    }

    /// <summary>
    /// A chain no element uses any more is kept, not deleted at once: deleting a chain makes the
    /// kernel wait for an RCU grace period (10–30 ms), and the next change often needs the same
    /// chain again (its rules are a function of its name). Unused chains go with the next nft
    /// call that happens anyway, when more than <see cref="MaxUnusedChains"/> pile up, or at a
    /// full resync. They cost nothing meanwhile: no packet can reach them.
    /// </summary>
    public const int MaxUnusedChains = 32;

    private (string? Error, int Bytes, int Elements) Delta(string node, ProxyDelta delta)
    {
        int bytes = 0;
        HashSet<string> unused;
        lock (_gate)
            if (!_unused.TryGetValue(node, out unused!)) _unused[node] = unused = new HashSet<string>(StringComparer.Ordinal);
        var create = new List<string>();
        foreach (var c in delta.ChainsAdded) if (!unused.Remove(c)) create.Add(c);
        if (create.Count > 0)
        {
            var script = ProxyRenderer.RenderChainDeletes(Sorted(unused)) + ProxyRenderer.RenderChainAdds(delta, create, flush: true);
            bytes += script.Length;
            if (Apply(node, script) is { } e) return (e, bytes, 0);
            unused.Clear();
        }
        var batch = ProxyElements.Delta(delta);
        if (!batch.IsEmpty)
        {
            INftElements? handle;
            lock (_gate) _elements.TryGetValue(node, out handle);
            if (handle is null) return ("no netlink handle for the node", bytes, 0);
            if (handle.Commit(batch) is { } e) return (e, bytes, 0);
        }
        foreach (var c in delta.ChainsRemoved) unused.Add(c);
        if (unused.Count > MaxUnusedChains)
        {
            var deletes = ProxyRenderer.RenderChainDeletes(Sorted(unused));
            bytes += deletes.Length;
            if (Apply(node, deletes) is { } e) return (e, bytes, batch.ElementCount);
            unused.Clear();
        }
        return (null, bytes, batch.ElementCount);
    }

    private static List<string> Sorted(IEnumerable<string> names)
    {
        var l = new List<string>(names);
        l.Sort(StringComparer.Ordinal);
        return l;
    }

    private NodeSyncResult Full(string node, ProxyState desired)
    {
        if (_openElements is null)
        {
            var script = ProxyRenderer.RenderFull(desired);
            var error = Apply(node, script);
            if (error is null) Set(node, desired);
            return new NodeSyncResult(node, true, error is null, script.Length, error?.Trim());
        }

        // 1. A handle opened now, in the node's current namespace (it may have been recreated).
        INftElements handle;
        try { handle = _openElements(node); }
        catch (Exception e) when (e is DatapathException or IOException or UnauthorizedAccessException) { return Failed(node, true, 0, e.Message); }
        INftElements? previous;
        lock (_gate)
        {
            _elements.Remove(node, out previous);
            _elements[node] = handle;
        }
        previous?.Dispose();
        // 2. Skeleton over whatever is there; a table of another shape is replaced (then, and
        //    only then, Services are briefly without elements).
        var skeleton = ProxyRenderer.RenderSkeleton(desired);
        int bytes = skeleton.Length;
        if (Apply(node, skeleton) is { } skeletonError)
        {
            var replace = $"add table {ProxyLayout.TableRef}\ndelete table {ProxyLayout.TableRef}\n" + skeleton;
            bytes += replace.Length;
            if (Apply(node, replace) is { } e2) return Failed(node, true, bytes, $"skeleton: {skeletonError.Trim()}; replacing the table: {e2.Trim()}");
        }
        // 3. Every element in one batch: flush and refill, one transaction.
        var batch = ProxyElements.Full(desired);
        if (handle.Commit(batch) is { } commitError) return Failed(node, true, bytes, commitError);
        // 4. Chains a previous state used and this one does not: nothing points at them now.
        var stale = StaleChains(node, desired, out var listError);
        if (listError is not null) return Failed(node, true, bytes, listError);
        if (stale.Count > 0)
        {
            var deletes = ProxyRenderer.RenderChainDeletes(stale);
            bytes += deletes.Length;
            if (Apply(node, deletes) is { } e) return Failed(node, true, bytes, e);
        }
        lock (_gate) _unused.Remove(node);
        Set(node, desired);
        return new NodeSyncResult(node, true, true, bytes, null, batch.ElementCount);
    }

    private NodeSyncResult Failed(string node, bool full, int bytes, string error)
    {
        Set(node, null);
        return new NodeSyncResult(node, full, false, bytes, error.Trim());
    }

    /// <summary>The table's chains that are neither fixed nor in <paramref name="desired"/> (from <c>nft list chains ip</c>).</summary>
    private List<string> StaleChains(string node, ProxyState desired, out string? error)
    {
        var r = _nft(node, ["list", "chains", ProxyLayout.Family], null);
        error = r.Ok ? null : "nft list chains: " + r.Stderr.Trim();
        var stale = new List<string>();
        if (!r.Ok) return stale;
        bool inTable = false;
        foreach (var raw in r.Stdout.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("table ", StringComparison.Ordinal)) { inTable = line == $"table {ProxyLayout.TableRef} {{"; continue; }
            if (!inTable || !line.StartsWith("chain ", StringComparison.Ordinal) || !line.EndsWith(" {", StringComparison.Ordinal)) continue;
            var name = line[6..^2];
            if ((name.StartsWith("lb", StringComparison.Ordinal) || name.StartsWith("fw-", StringComparison.Ordinal)) && !desired.Chains.ContainsKey(name)) stale.Add(name);
        }
        stale.Sort(StringComparer.Ordinal);
        return stale;
    }

    /// <summary>
    /// Deletes affinity entries naming an endpoint that left (<see cref="AffinityCleanup"/>).
    /// Best effort: an entry that expires meanwhile fails the batch, then entries go one by one;
    /// whatever is left times out as it would have. Returns the nft bytes sent.
    /// </summary>
    private int ForgetStaleAffinity(string node, ProxyState desired)
    {
        var r = _nft(node, ["list", "map", ProxyLayout.Family, ProxyLayout.Table, ProxyLayout.AffinityMap], null);
        if (!r.Ok) return 0;
        var stale = AffinityCleanup.Stale(r.Stdout, desired.Backends);
        if (stale.Count == 0) return 0;
        var script = AffinityCleanup.RenderDelete(stale);
        int bytes = script.Length;
        if (Apply(node, script) is null || stale.Count == 1) return bytes;
        foreach (var entry in stale)
        {
            var one = AffinityCleanup.RenderDelete([entry]);
            bytes += one.Length;
            Apply(node, one);
        }
        return bytes;
    }

    private string? Apply(string node, string script)
    {
        var r = _nft(node, ["-f", "-"], script);
        return r.Ok ? null : (r.Stderr.Length > 2000 ? r.Stderr[..2000] : r.Stderr);
    }
}
