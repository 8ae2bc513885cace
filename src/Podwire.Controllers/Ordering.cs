using Podwire.Model;

namespace Podwire.Controllers;

/// <summary>
/// The sort orders every controller shares. Why: output must not depend on the order manifests
/// were loaded in, and every "first free"/"least loaded" decision needs one agreed tie-break.
/// </summary>
public static class Ordering
{
    public static int ComparePods(Pod a, Pod b)
    {
        int c = string.CompareOrdinal(a.Namespace, b.Namespace);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    public static int CompareServices(Service a, Service b)
    {
        int c = string.CompareOrdinal(a.Namespace, b.Namespace);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    public static int CompareSlices(EndpointSlice a, EndpointSlice b)
    {
        int c = string.CompareOrdinal(a.Namespace, b.Namespace);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    /// <summary>
    /// Node names in natural order (digit runs compared as numbers, then ordinal), so generated
    /// node-2 comes before node-10 and gets the lower pod CIDR and address.
    /// </summary>
    public static int CompareNodeNames(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                int si = i, sj = j;
                while (si < a.Length && a[si] == '0') si++;
                while (sj < b.Length && b[sj] == '0') sj++;
                int ei = si, ej = sj;
                while (ei < a.Length && char.IsAsciiDigit(a[ei])) ei++;
                while (ej < b.Length && char.IsAsciiDigit(b[ej])) ej++;
                int lenDiff = (ei - si) - (ej - sj);
                if (lenDiff != 0) return lenDiff;
                int c = string.CompareOrdinal(a, si, b, sj, ei - si);
                if (c != 0) return c;
                i = ei; j = ej;
                continue;
            }
            if (a[i] != b[j]) return a[i] - b[j];
            i++; j++;
        }
        int rest = (a.Length - i) - (b.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(a, b);
    }

    public static T[] Sorted<T>(IReadOnlyList<T> items, Comparison<T> compare)
    {
        var arr = new T[items.Count];
        for (int i = 0; i < arr.Length; i++) arr[i] = items[i];
        // Stable by construction: ties (duplicate keys in odd input) keep their input order.
        var idx = new int[arr.Length];
        for (int i = 0; i < idx.Length; i++) idx[i] = i;
        Array.Sort(idx, (x, y) => { int c = compare(arr[x], arr[y]); return c != 0 ? c : x.CompareTo(y); });
        var result = new T[arr.Length];
        for (int i = 0; i < idx.Length; i++) result[i] = arr[idx[i]];
        return result;
    }
}
