namespace Podwire.Proxy;

/// <summary>How a node's sync went: the script sent, whether it was a full resync, and whether the kernel took it.</summary>
public sealed record NodeSyncResult(string Node, bool Full, bool Ok, int ScriptBytes, string? Error);

/// <summary>
/// The change tracker: remembers, per node, the state last accepted by the kernel and turns each
/// new desired state into one transaction — the whole table on the first sync, the element delta
/// afterwards, and the whole table again after any failure (then the previous state is unknown).
/// The kernel is behind <paramref name="apply"/> (node, script) → error text or null, so the
/// tracker itself does no I/O and is tested with a fake.
/// </summary>
public sealed class ProxySyncer(Func<string, string, string?> apply)
{
    private readonly Dictionary<string, ProxyState> _applied = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The state the kernel holds for <paramref name="node"/>, as far as we know.</summary>
    public ProxyState? Applied(string node)
    {
        lock (_gate) return _applied.GetValueOrDefault(node);
    }

    /// <summary>Forgets a node (its namespace is gone); the next sync for it is full.</summary>
    public void Forget(string node)
    {
        lock (_gate) _applied.Remove(node);
    }

    public NodeSyncResult Sync(string node, ProxyState desired)
    {
        lock (_gate)
        {
            if (_applied.TryGetValue(node, out var old))
            {
                var delta = ProxyRenderer.RenderDelta(old, desired);
                if (delta.Length == 0) { _applied[node] = desired; return new NodeSyncResult(node, false, true, 0, null); }
                var error = apply(node, delta);
                if (error is null) { _applied[node] = desired; return new NodeSyncResult(node, false, true, delta.Length, null); }
                _applied.Remove(node);
                var full = Full(node, desired);
                return full with { Error = full.Ok ? $"incremental sync failed ({error.Trim()}); full resync done" : full.Error };
            }
            return Full(node, desired);
        }
    }

    private NodeSyncResult Full(string node, ProxyState desired)
    {
        var script = ProxyRenderer.RenderFull(desired);
        var error = apply(node, script);
        if (error is null) _applied[node] = desired;
        return new NodeSyncResult(node, true, error is null, script.Length, error?.Trim());
    }
}
