using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Podwire.Proxy;

/// <summary>
/// ClientIP affinity entries whose endpoint has left their frontend. The packet path cannot
/// rewrite a dynamic element's data (<c>update</c> only refreshes its timeout, and a map's
/// elements cannot be deleted from a rule), so a client whose endpoint left would be drawn
/// afresh on every connection, never pinned again, until its entry timed out (3 h by default).
/// The syncer deletes those entries right after the change that removed the endpoint, as
/// kube-proxy drops an endpoint's affinity set together with the endpoint. Pure.
/// </summary>
public static partial class AffinityCleanup
{
    /// <summary>Whether <paramref name="d"/> removed an affinity slot (only then can an entry have gone stale).</summary>
    public static bool Needed(ProxyDelta d)
    {
        foreach (var k in d.BackendsDeleted)
        {
            int dot = k.LastIndexOf(' ');
            if (dot >= 0 && int.TryParse(k.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var mark)
                && (mark & ProxyLayout.SlotBase) != 0)
                return true;
        }
        return false;
    }

    /// <summary>
    /// The entries (<c>client . address . protocol . port</c>) of an <c>nft list map</c> of the
    /// affinity map that name a slot <paramref name="backends"/> no longer has.
    /// </summary>
    public static List<string> Stale(string listing, IReadOnlyDictionary<string, string> backends)
    {
        var stale = new List<string>();
        foreach (Match m in Entry().Matches(listing))
        {
            if (!uint.TryParse(m.Groups["mark"].ValueSpan, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var mark)) continue;
            if ((mark & ProxyLayout.SlotBase) == 0) continue;
            string frontend = m.Groups["frontend"].Value;
            if (!backends.ContainsKey(ProxyCompiler.BackendKey(frontend, (int)mark))) stale.Add(m.Groups["client"].Value + " . " + frontend);
        }
        return stale;
    }

    /// <summary>One transaction deleting <paramref name="entries"/>.</summary>
    public static string RenderDelete(IReadOnlyList<string> entries)
    {
        var w = new StringBuilder("delete element ").Append(ProxyLayout.TableRef).Append(' ').Append(ProxyLayout.AffinityMap).Append(" { ");
        for (int i = 0; i < entries.Count; i++) w.Append(i > 0 ? ", " : "").Append(entries[i]);
        return w.Append(" }\n").ToString();
    }

    // "10.244.1.3 . 10.96.100.15 . tcp . 80 timeout 1m expires 59s996ms : 0x000243bd"
    [GeneratedRegex(@"(?<client>\d+\.\d+\.\d+\.\d+) \. (?<frontend>\d+\.\d+\.\d+\.\d+ \. [a-z0-9]+ \. \d+)(?: timeout \S+)?(?: expires \S+)? : 0x(?<mark>[0-9a-f]+)")]
    private static partial Regex Entry();
}
