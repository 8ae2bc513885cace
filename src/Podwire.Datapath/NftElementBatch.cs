namespace Podwire.Datapath;

/// <summary>nf_tables address families (NFPROTO_*), as the netlink header carries them.</summary>
public enum NftFamily : byte { Inet = 1, Ip = 2, Arp = 3, Netdev = 5, Bridge = 7, Ip6 = 10 }

/// <summary>
/// A verdict as a map element's value: a code (NF_DROP 0, NF_ACCEPT 1, NFT_JUMP -3, NFT_GOTO -4…)
/// and, for jump/goto, the target chain.
/// </summary>
public readonly record struct NftVerdict(int Code, string? Chain)
{
    public const int DropCode = 0, AcceptCode = 1, JumpCode = -3, GotoCode = -4, ReturnCode = -5;
    public static NftVerdict Drop => new(DropCode, null);
    public static NftVerdict Accept => new(AcceptCode, null);
    public static NftVerdict Goto(string chain) => new(GotoCode, chain);
    public static NftVerdict Jump(string chain) => new(JumpCode, chain);

    public override string ToString() => Code switch
    {
        DropCode => "drop",
        AcceptCode => "accept",
        JumpCode => "jump " + Chain,
        GotoCode => "goto " + Chain,
        ReturnCode => "return",
        _ => "verdict " + Code,
    };
}

/// <summary>
/// One set or map element in the kernel's own byte layout: the key as nft stores it (each field of
/// a concatenation padded to 4 bytes, see <see cref="NftBytes"/>), and for a map either a data
/// value or a verdict. Sets have neither.
/// </summary>
public readonly record struct NftElement(byte[] Key, byte[]? Value = null, NftVerdict? Verdict = null);

public enum NftSetOpKind { Flush, Delete, Add }

/// <summary>One step of a batch: flush a set, or delete/add elements of it.</summary>
public sealed record NftSetOp(NftSetOpKind Kind, string Set, List<NftElement> Elements);

/// <summary>
/// Element operations on the sets and maps of one table, meant to be committed as ONE nf_tables
/// transaction (see <see cref="INftElements"/>): either every step takes effect or none does, and
/// packets never see a state in between. Steps run in order, so "flush then add" replaces a map's
/// contents atomically. Consecutive calls of the same kind on the same set share one step.
/// </summary>
public sealed class NftElementBatch(NftFamily family, string table)
{
    private readonly List<NftSetOp> _ops = [];

    public NftFamily Family { get; } = family;
    public string Table { get; } = table;
    public IReadOnlyList<NftSetOp> Ops => _ops;
    public bool IsEmpty => _ops.Count == 0;

    public int ElementCount
    {
        get
        {
            int n = 0;
            foreach (var op in _ops) n += op.Elements.Count;
            return n;
        }
    }

    /// <summary>Removes every element of <paramref name="set"/> (dynamic entries of a timeout map included).</summary>
    public NftElementBatch Flush(string set)
    {
        _ops.Add(new NftSetOp(NftSetOpKind.Flush, set, []));
        return this;
    }

    public NftElementBatch Delete(string set, byte[] key)
    {
        Step(NftSetOpKind.Delete, set).Add(new NftElement(key));
        return this;
    }

    public NftElementBatch Add(string set, NftElement element)
    {
        Step(NftSetOpKind.Add, set).Add(element);
        return this;
    }

    private List<NftElement> Step(NftSetOpKind kind, string set)
    {
        if (_ops.Count > 0 && _ops[^1] is { } last && last.Kind == kind && last.Set == set) return last.Elements;
        var op = new NftSetOp(kind, set, []);
        _ops.Add(op);
        return op.Elements;
    }
}

/// <summary>
/// The boundary to nf_tables set elements: commits a batch as one kernel transaction. The lab uses
/// <see cref="NfTablesSocket"/> (netlink, bound to one network namespace); unit tests use
/// <see cref="RecordingNftElements"/>. Why not <c>nft -f</c>: Debian's nft 1.0.6 spends ≈ 1–2.5 s
/// parsing 110k elements of text, the kernel needs a fraction of that for the same bytes.
/// </summary>
public interface INftElements : IDisposable
{
    /// <summary>Null when the kernel accepted the whole batch; else what failed (nothing was applied).</summary>
    string? Commit(NftElementBatch batch);
}

/// <summary>A fake for unit tests: records every batch and answers from a function (null = accepted).</summary>
public sealed class RecordingNftElements(Func<NftElementBatch, string?>? answer = null) : INftElements
{
    public List<NftElementBatch> Batches { get; } = [];
    public bool Disposed { get; private set; }

    public string? Commit(NftElementBatch batch)
    {
        lock (Batches) Batches.Add(batch);
        return answer?.Invoke(batch);
    }

    public void Dispose() => Disposed = true;
}
