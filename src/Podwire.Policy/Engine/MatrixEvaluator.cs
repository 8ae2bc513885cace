using System.Net;
using Podwire.Model;
using Podwire.Policy.Identity;
using Podwire.Policy.Ir;

namespace Podwire.Policy.Engine;

/// <summary>
/// All-pairs reachability without visiting pairs. Pods are laid out so that each identity is
/// a contiguous range of positions ("class"). Per class and direction one bitset over all pod
/// positions says which remote pods are allowed; a pair (s, d) is allowed when d is in E[class s]
/// and s is in I[class d]. Since E depends only on s's class and I only on d's class, the
/// number of allowed pairs between classes S and D is |E_S ∩ D| × |I_D ∩ S|, so counting costs
/// at most classes² range popcounts plus a correction for the always-allowed pairs (self, own
/// node). Bitsets are shared: per distinct peer set, and per distinct union of peer sets, so
/// classes governed alike (the same policy shape in many namespaces) count as one group.
/// </summary>
internal sealed class MatrixEvaluator
{
    private readonly PolicyEngine _engine;
    private readonly int _n;
    private readonly int[] _order;      // position → pod index
    private readonly int[] _position;   // pod index → position
    private readonly List<(int Identity, int Start, int End)> _classes = [];
    private readonly int[] _classOfPosition;
    private readonly Dictionary<int, int> _classOfIdentity = [];
    private readonly (UInt128 Value, int Position)[] _v4, _v6;
    // Position bitsets per distinct identity set and per distinct (block, identity set): the IR
    // shares these objects across policies, so each is laid out once however many classes use it.
    private readonly Dictionary<IdentitySet, ulong[]> _setCache = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(string Block, IdentitySet? Ids), ulong[]> _blockCache = [];
    private readonly Dictionary<IrBlock, string> _blockKeys = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ulong[], int> _idOfBits = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, ulong[]> _unions = new(StringComparer.Ordinal);
    private readonly List<int> _parts = [];
    private ulong[]? _ones;

    public MatrixEvaluator(PolicyEngine engine)
    {
        _engine = engine;
        var ids = engine.Identities;
        _n = ids.Pods.Count;
        // Counting sort by identity, stable in pod order.
        _order = new int[_n];
        var starts = new int[ids.Capacity + 1];
        for (int i = 0; i < _n; i++) starts[ids.IdentityOfPodAt(i) + 1]++;
        for (int id = 0; id < ids.Capacity; id++) starts[id + 1] += starts[id];
        for (int i = 0; i < _n; i++) _order[starts[ids.IdentityOfPodAt(i)]++] = i;
        _position = new int[_n];
        _classOfPosition = new int[_n];
        for (int p = 0; p < _n; p++)
        {
            _position[_order[p]] = p;
            int id = ids.IdentityOfPodAt(_order[p]);
            if (_classes.Count == 0 || _classes[^1].Identity != id)
            {
                _classOfIdentity[id] = _classes.Count;
                _classes.Add((id, p, p));
            }
            var last = _classes[^1];
            _classes[^1] = (last.Identity, last.Start, p + 1);
            _classOfPosition[p] = _classes.Count - 1;
        }
        var v4 = new List<(UInt128, int)>();
        var v6 = new List<(UInt128, int)>();
        for (int p = 0; p < _n; p++)
            if (engine.Addresses.PodIp(_order[p]) is { } ip)
                (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? v4 : v6).Add((Podwire.Model.Net.IpMath.ToValue(ip), p));
        v4.Sort(static (x, y) => x.Item1.CompareTo(y.Item1));
        v6.Sort(static (x, y) => x.Item1.CompareTo(y.Item1));
        _v4 = [.. v4];
        _v6 = [.. v6];
    }

    private ulong[] Ones => _ones ??= Bits.Ones(_n);

    /// <summary>Per class: the allowed remote positions (egress: destinations, ingress: sources).</summary>
    private ulong[][] Decide(Direction dir, int port, Protocol proto)
    {
        var result = new ulong[_classes.Count][];
        for (int c = 0; c < _classes.Count; c++)
            result[c] = DecideClass(_engine.Ir.For(dir, _classes[c].Identity), port, proto);
        return result;
    }

    private ulong[] DecideClass(DirectionIr d, int port, Protocol proto)
    {
        if (!d.Isolated && d.AdminRules.Count == 0 && d.BaselineRules.Count == 0) return Ones;
        if (d.Isolated && d.AdminRules.Count == 0) return NpOnly(d, port, proto);
        int words = Bits.Words(_n);
        var allowed = new ulong[words];
        var remaining = Bits.Ones(_n);   // not yet decided by Allow/Deny
        var anpOpen = Bits.Ones(_n);     // still considered by admin rules (Pass removes)
        foreach (var rule in d.AdminRules)
        {
            var m = MatchSet(rule.Matches, port, proto);
            if (m is null) continue;
            Bits.And(m, anpOpen);
            Bits.AndNot(anpOpen, m);
            if (rule.Action == IrAction.Pass) continue;
            if (rule.Action == IrAction.Allow) Bits.Or(allowed, m);
            Bits.AndNot(remaining, m);
        }
        if (d.Isolated)
        {
            var np = new ulong[words];
            foreach (var a in d.Allows)
                if (a.Match.PortMatches(port, proto)) AddPeer(np, a.Match.Peer);
            Bits.OrAnd(allowed, remaining, np);
            return allowed;
        }
        foreach (var rule in d.BaselineRules)
        {
            var m = MatchSet(rule.Matches, port, proto);
            if (m is null) continue;
            Bits.And(m, remaining);
            if (rule.Action == IrAction.Allow) Bits.Or(allowed, m);
            Bits.AndNot(remaining, m);
        }
        Bits.Or(allowed, remaining);
        return allowed;
    }

    private ulong[]? MatchSet(IReadOnlyList<IrMatch> matches, int port, Protocol proto)
    {
        ulong[]? set = null;
        foreach (var m in matches)
            if (m.PortMatches(port, proto)) AddPeer(set ??= new ulong[Bits.Words(_n)], m.Peer);
        return set;
    }

    /// <summary>
    /// The common case, NetworkPolicy alone: the union of the matching peers. Classes whose
    /// union is of the same peer sets share one array, which saves memory and lets the count
    /// treat them as one group.
    /// </summary>
    private ulong[] NpOnly(DirectionIr d, int port, Protocol proto)
    {
        var parts = _parts;
        parts.Clear();
        foreach (var a in d.Allows)
            if (a.Match.PortMatches(port, proto))
            {
                var bits = PeerBits(a.Match.Peer);
                if (!_idOfBits.TryGetValue(bits, out int id)) _idOfBits[bits] = id = _idOfBits.Count;
                parts.Add(id);
            }
        parts.Sort();
        var key = new System.Text.StringBuilder();
        for (int i = 0; i < parts.Count; i++)
            if (i == 0 || parts[i] != parts[i - 1]) key.Append(parts[i]).Append(',');
        string k = key.ToString();
        if (_unions.TryGetValue(k, out var hit)) return hit;
        var allowed = new ulong[Bits.Words(_n)];
        foreach (var a in d.Allows)
            if (a.Match.PortMatches(port, proto)) Bits.Or(allowed, PeerBits(a.Match.Peer));
        return _unions[k] = allowed;
    }

    /// <summary>ORs the positions of the pods a peer matches into <paramref name="into"/>.</summary>
    private void AddPeer(ulong[] into, IrPeer peer) => Bits.Or(into, PeerBits(peer));

    /// <summary>The positions of the pods a peer matches; shared, never to be modified.</summary>
    private ulong[] PeerBits(IrPeer peer)
    {
        if (peer.Block is null) return peer.Identities is null ? Ones : SetPositions(peer.Identities);
        if (!_blockKeys.TryGetValue(peer.Block, out var blockKey)) _blockKeys[peer.Block] = blockKey = peer.Block.ToString();
        if (!_blockCache.TryGetValue((blockKey, peer.Identities), out var block))
        {
            block = BlockSet(peer.Block);
            if (peer.Identities is not null) Bits.And(block, SetPositions(peer.Identities));
            _blockCache[(blockKey, peer.Identities)] = block;
        }
        return block;
    }

    private ulong[] SetPositions(IdentitySet set)
    {
        if (_setCache.TryGetValue(set, out var hit)) return hit;
        var positions = new ulong[Bits.Words(_n)];
        var bits = set.Bits;
        for (int w = 0; w < bits.Length; w++)
        {
            ulong b = bits[w];
            while (b != 0)
            {
                int id = (w << 6) | System.Numerics.BitOperations.TrailingZeroCount(b);
                b &= b - 1;
                if (_classOfIdentity.TryGetValue(id, out int c)) Bits.SetRange(positions, _classes[c].Start, _classes[c].End);
            }
        }
        return _setCache[set] = positions;
    }

    private ulong[] BlockSet(IrBlock block)
    {
        var set = new ulong[Bits.Words(_n)];
        foreach (var c in block.Include) ForEachIn(c, p => set[p >> 6] |= 1UL << (p & 63));
        foreach (var c in block.Except) ForEachIn(c, p => set[p >> 6] &= ~(1UL << (p & 63)));
        return set;
    }

    private void ForEachIn(Podwire.Model.Net.Cidr cidr, Action<int> action)
    {
        var arr = cidr.IsIPv4 ? _v4 : _v6;
        UInt128 lo = Podwire.Model.Net.IpMath.ToValue(cidr.Network);
        UInt128 hi = cidr.HostBits >= 128 ? UInt128.MaxValue : lo + (((UInt128)1 << cidr.HostBits) - 1);
        int i = LowerBound(arr, lo);
        for (; i < arr.Length && arr[i].Value <= hi; i++) action(arr[i].Position);
    }

    private static int LowerBound((UInt128 Value, int Position)[] arr, UInt128 v)
    {
        int lo = 0, hi = arr.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (arr[mid].Value < v) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public MatrixCount Count(int port, Protocol proto)
    {
        var egress = Decide(Direction.Egress, port, proto);
        var ingress = Decide(Direction.Ingress, port, proto);
        long total = CountByPolicy(egress, ingress);
        // Pairs the policy bitsets may deny but that are always allowed.
        for (int p = 0; p < _n; p++)
            if (!ByPolicy(egress, ingress, p, p)) total++;
        ForEachNodePair((s, d) => { if (!ByPolicy(egress, ingress, s, d)) total++; });
        return new MatrixCount(_n, (long)_n * _n, total);
    }

    /// <summary>
    /// Σ over class pairs of |E_S ∩ D| × |I_D ∩ S|. Classes whose bitset is "everything" (not
    /// isolated, no admin rules: the common case) are summed in bulk with one mask per side,
    /// so only isolated × isolated class pairs remain (<see cref="ClosedPairs"/>).
    /// </summary>
    private long CountByPolicy(ulong[][] egress, ulong[][] ingress)
    {
        var ones = Ones;
        int k = _classes.Count;
        var openSources = new ulong[ones.Length];   // positions of classes whose egress allows everything
        var openTargets = new ulong[ones.Length];   // positions of classes whose ingress allows everything
        var closedS = new List<int>();
        var closedD = new List<int>();
        for (int c = 0; c < k; c++)
        {
            var (_, start, end) = _classes[c];
            if (ReferenceEquals(egress[c], ones)) Bits.SetRange(openSources, start, end); else closedS.Add(c);
            if (ReferenceEquals(ingress[c], ones)) Bits.SetRange(openTargets, start, end); else closedD.Add(c);
        }
        long total = 0;
        // Open sources × every destination: each source in the mask reaches all of D.
        for (int d = 0; d < k; d++)
        {
            var (_, start, end) = _classes[d];
            total += (long)(end - start) * AndCount(ingress[d], openSources);
        }
        // Closed sources × open destinations: the destination admits every source.
        foreach (int s in closedS)
        {
            var (_, start, end) = _classes[s];
            total += (long)(end - start) * AndCount(egress[s], openTargets);
        }
        return total + ClosedPairs(egress, ingress, closedS, closedD);
    }

    /// <summary>
    /// Σ over closed source classes s and closed destination classes d of |E_s ∩ D| × |I_d ∩ S|.
    /// Classes sharing one bitset array form a group; for source group G and destination
    /// group H the sum factors into |E_G ∩ ∪H| × |I_H ∩ ∪G|, which costs |G| + |H| range
    /// counts instead of |G| × |H|. Rows are independent, so groups run in parallel.
    /// </summary>
    private long ClosedPairs(ulong[][] egress, ulong[][] ingress, List<int> closedS, List<int> closedD)
    {
        var (sGroups, _) = Group(egress, closedS);
        var (dGroups, groupOfD) = Group(ingress, closedD);
        long closed = 0;
        Parallel.For(0, sGroups.Count, () => new long[dGroups.Count], (g, _, a) =>
        {
            var members = sGroups[g];
            var e = egress[members[0]];
            Array.Clear(a);
            for (int i = 0; i < closedD.Count; i++)
            {
                var (_, start, end) = _classes[closedD[i]];
                a[groupOfD[i]] += Bits.CountRange(e, start, end);
            }
            long acc = 0;
            for (int h = 0; h < a.Length; h++)
            {
                if (a[h] == 0) continue;
                var ing = ingress[dGroups[h][0]];
                long b = 0;
                foreach (int sc in members) b += Bits.CountRange(ing, _classes[sc].Start, _classes[sc].End);
                acc += a[h] * b;
            }
            Interlocked.Add(ref closed, acc);
            return a;
        }, _ => { });
        return closed;
    }

    /// <summary>Groups classes by bitset array identity: the member classes per group, and each listed class's group.</summary>
    private static (List<List<int>> Groups, int[] GroupOf) Group(ulong[][] sets, List<int> classes)
    {
        var byArray = new Dictionary<ulong[], int>(ReferenceEqualityComparer.Instance);
        var groups = new List<List<int>>();
        var groupOf = new int[classes.Count];
        for (int i = 0; i < classes.Count; i++)
        {
            int c = classes[i];
            if (!byArray.TryGetValue(sets[c], out int g))
            {
                byArray[sets[c]] = g = groups.Count;
                groups.Add([]);
            }
            groups[g].Add(c);
            groupOf[i] = g;
        }
        return (groups, groupOf);
    }

    private static long AndCount(ulong[] a, ulong[] b)
    {
        long n = 0;
        for (int i = 0; i < a.Length; i++) n += System.Numerics.BitOperations.PopCount(a[i] & b[i]);
        return n;
    }

    public IReadOnlyList<MatrixCell> Cells(int port, Protocol proto)
    {
        var egress = Decide(Direction.Egress, port, proto);
        var ingress = Decide(Direction.Ingress, port, proto);
        var exempt = new HashSet<(int, int)>();
        ForEachNodePair((s, d) => exempt.Add((s, d)));
        var pods = _engine.Identities.Pods;
        var cells = new List<MatrixCell>(_n * _n);
        for (int i = 0; i < _n; i++)
            for (int j = 0; j < _n; j++)
            {
                int s = _position[i], d = _position[j];
                bool ok = i == j || exempt.Contains((s, d)) || ByPolicy(egress, ingress, s, d);
                cells.Add(new MatrixCell(pods[i], pods[j], ok));
            }
        return cells;
    }

    private bool ByPolicy(ulong[][] egress, ulong[][] ingress, int s, int d) =>
        Bits.Get(egress[_classOfPosition[s]], d) && Bits.Get(ingress[_classOfPosition[d]], s);

    /// <summary>(source, destination) positions where a hostNetwork pod reaches a pod on its own node (kubelet exemption).</summary>
    private void ForEachNodePair(Action<int, int> action)
    {
        var pods = _engine.Identities.Pods;
        Dictionary<string, List<int>>? byNode = null;
        for (int i = 0; i < _n; i++)
        {
            if (!pods[i].HostNetwork || pods[i].NodeName is not { } node) continue;
            if (byNode is null)
            {
                byNode = new Dictionary<string, List<int>>(StringComparer.Ordinal);
                for (int j = 0; j < _n; j++)
                    if (!pods[j].HostNetwork && pods[j].NodeName is { } nn)
                    {
                        if (!byNode.TryGetValue(nn, out var l)) byNode[nn] = l = [];
                        l.Add(j);
                    }
            }
            if (byNode.TryGetValue(node, out var local))
                foreach (int j in local) action(_position[i], _position[j]);
        }
    }
}
