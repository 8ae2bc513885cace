using Podwire.Model;

namespace Podwire.Cli.Output;

/// <summary>
/// A reachability truth table like the upstream e2e suite's: rows are clients, columns servers,
/// "." allowed and "X" denied. Pods are grouped by namespace and the columns numbered (pod
/// names are too long for headers), so about 30 pods still fit a terminal.
/// </summary>
public static class PolicyGrid
{
    public static void Write(TextWriter o, string title, IReadOnlyList<Pod> pods, Func<int, int, bool> allowed, bool colour)
    {
        int n = pods.Count;
        long count = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) if (allowed(i, j)) count++;
        o.WriteLine($"{title}: {count} of {(long)n * n} connections allowed (rows: from, columns: to; \".\" allowed, \"X\" denied)");
        if (n == 0) return;
        o.WriteLine();
        int cell = (n.ToString(System.Globalization.CultureInfo.InvariantCulture).Length) + 1;
        int nsWidth = 0, nameWidth = 0;
        foreach (var p in pods) { nsWidth = Math.Max(nsWidth, p.Namespace.Length); nameWidth = Math.Max(nameWidth, p.Name.Length); }
        int numWidth = cell - 1;
        string pad = new(' ', nsWidth + 2 + numWidth + 2 + nameWidth + 1);

        // Header line 1: namespace names over their column groups; line 2: the column numbers.
        var h1 = new System.Text.StringBuilder(pad);
        var h2 = new System.Text.StringBuilder(pad);
        for (int j = 0; j < n; j++)
        {
            bool groupStart = j == 0 || pods[j].Namespace != pods[j - 1].Namespace;
            if (groupStart && j > 0) { h1.Append(' '); h2.Append(' '); }
            if (groupStart)
            {
                int groupLen = 0;
                for (int k = j; k < n && pods[k].Namespace == pods[j].Namespace; k++) groupLen++;
                string ns = pods[j].Namespace;
                int room = groupLen * cell;
                h1.Append(' ').Append((ns.Length > room - 1 ? ns[..Math.Max(1, room - 1)] : ns).PadRight(room - 1));
            }
            h2.Append((j + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(cell));
        }
        o.WriteLine(h1.ToString().TrimEnd());
        o.WriteLine(h2.ToString().TrimEnd());
        for (int i = 0; i < n; i++)
        {
            bool groupStart = i == 0 || pods[i].Namespace != pods[i - 1].Namespace;
            if (groupStart && i > 0) o.WriteLine();
            var row = new System.Text.StringBuilder();
            row.Append((groupStart ? pods[i].Namespace : "").PadRight(nsWidth + 2));
            row.Append((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(numWidth)).Append("  ");
            row.Append(pods[i].Name.PadRight(nameWidth + 1));
            for (int j = 0; j < n; j++)
            {
                if (j > 0 && pods[j].Namespace != pods[j - 1].Namespace) row.Append(' ');
                bool ok = allowed(i, j);
                row.Append(new string(' ', cell - 1));
                if (colour) row.Append(ok ? "\u001b[32m.\u001b[0m" : "\u001b[31mX\u001b[0m");
                else row.Append(ok ? '.' : 'X');
            }
            o.WriteLine(row.ToString().TrimEnd());
        }
    }
}
