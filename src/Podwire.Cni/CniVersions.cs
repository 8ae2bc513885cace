namespace Podwire.Cni;

/// <summary>The spec versions this plugin speaks, and version comparison.</summary>
public static class CniVersions
{
    public const string Current = "1.1.0";

    public static readonly IReadOnlyList<string> Supported = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    public static bool IsSupported(string? v) => v is not null && Supported.Contains(v);

    /// <summary>Orders "a.b.c" versions numerically; unparsable ones sort first.</summary>
    public static int Compare(string a, string b)
    {
        var pa = Parts(a);
        var pb = Parts(b);
        for (int i = 0; i < 3; i++)
        {
            int c = pa[i].CompareTo(pb[i]);
            if (c != 0) return c;
        }
        return 0;
    }

    private static int[] Parts(string v)
    {
        var r = new int[3] { -1, -1, -1 };
        var s = v.Split('.');
        for (int i = 0; i < 3 && i < s.Length; i++) r[i] = int.TryParse(s[i], out var n) ? n : -1;
        return r;
    }

    /// <summary>Results before 0.3.0 use the old "ip4" shape.</summary>
    public static bool IsLegacy(string v) => Compare(v, "0.3.0") < 0;

    /// <summary>0.3.x and 0.4.0 results carry "version" on each IP.</summary>
    public static bool HasIpVersionField(string v) => Compare(v, "0.3.0") >= 0 && Compare(v, "1.0.0") < 0;

    /// <summary>Picks the highest version of <paramref name="offered"/> that we support.</summary>
    public static string? Highest(IEnumerable<string> offered)
    {
        string? best = null;
        foreach (var v in offered)
            if (IsSupported(v) && (best is null || Compare(v, best) > 0)) best = v;
        return best;
    }
}
