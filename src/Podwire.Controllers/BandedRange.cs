namespace Podwire.Controllers;

/// <summary>
/// A range of allocatable offsets split into a static (lower) band and a dynamic (upper) band,
/// as KEP-3070 (ClusterIPs) and KEP-3668 (NodePorts) describe. Why: users who pick addresses by
/// hand pick low ones; dynamic allocation stays out of their way until the upper band is full.
/// Dynamic allocation starts at a hash of the object's key and probes linearly, so an object's
/// result depends on its own name, not on how many objects sort before it.
/// </summary>
public sealed class BandedRange
{
    private readonly HashSet<UInt128> _used = [];
    private UInt128 _usedStatic, _usedDynamic;

    /// <summary>First and last allocatable offsets (inclusive); an empty range has Last &lt; First.</summary>
    public UInt128 First { get; }
    public UInt128 Last { get; }
    /// <summary>Number of offsets in the static band, which starts at First (capped at the range).</summary>
    public UInt128 StaticSize { get; }

    /// <param name="first">first allocatable offset</param>
    /// <param name="staticSize">length of the static (lower) band</param>
    /// <param name="last">last allocatable offset; a range with last &lt; first is empty</param>
    public BandedRange(UInt128 first, UInt128 staticSize, UInt128 last)
    {
        First = first;
        Last = last;
        UInt128 total = last >= first ? last - first + 1 : 0;
        StaticSize = staticSize < total ? staticSize : total;
    }

    public bool IsEmpty => Last < First;
    public bool Contains(UInt128 offset) => !IsEmpty && offset >= First && offset <= Last;
    public bool IsUsed(UInt128 offset) => _used.Contains(offset);

    /// <summary>First offset of the dynamic (upper) band.</summary>
    public UInt128 DynamicLow => First + StaticSize;
    private UInt128 DynamicSize => IsEmpty || DynamicLow > Last ? 0 : Last - DynamicLow + 1;

    /// <summary>Marks a specific offset as taken; false if outside the range or already taken.</summary>
    public bool TryReserve(UInt128 offset)
    {
        if (!Contains(offset) || !_used.Add(offset)) return false;
        if (offset < DynamicLow) _usedStatic++; else _usedDynamic++;
        return true;
    }

    /// <summary>Upper band from hash mod band size, probing upwards with wrap-around; lower band only when the upper is full.</summary>
    public bool TryAllocate(ulong hash, out UInt128 offset)
    {
        if (_usedDynamic < DynamicSize && Probe(DynamicLow, DynamicSize, hash, out offset)) { _usedDynamic++; return true; }
        if (_usedStatic < StaticSize && Probe(First, StaticSize, hash, out offset)) { _usedStatic++; return true; }
        offset = 0;
        return false;
    }

    private bool Probe(UInt128 low, UInt128 size, ulong hash, out UInt128 offset)
    {
        UInt128 start = hash % size;
        for (UInt128 i = 0; i < size; i++)
        {
            UInt128 candidate = low + (start + i) % size;
            if (_used.Add(candidate)) { offset = candidate; return true; }
        }
        offset = 0;
        return false;
    }
}
