namespace Podwire.Cli.Output;

/// <summary>
/// kubectl's table style: upper-case headers, columns padded to the widest cell with three spaces
/// between them, no borders, so the output stays greppable and awk-able.
/// </summary>
public sealed class TableWriter
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public TableWriter(params string[] headers) => _headers = headers;

    public void Add(params string?[] cells) => _rows.Add(cells.Select(c => string.IsNullOrEmpty(c) ? "<none>" : c).ToArray());

    public int Count => _rows.Count;

    public void Write(TextWriter w)
    {
        var widths = new int[_headers.Length];
        for (int i = 0; i < _headers.Length; i++) widths[i] = _headers[i].Length;
        foreach (var r in _rows)
            for (int i = 0; i < r.Length && i < widths.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
        WriteRow(w, _headers, widths);
        foreach (var r in _rows) WriteRow(w, r, widths);
    }

    private static void WriteRow(TextWriter w, string[] cells, int[] widths)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            if (i == cells.Length - 1) sb.Append(cells[i]);
            else sb.Append(cells[i].PadRight(widths[i] + 3));
        }
        w.WriteLine(sb.ToString().TrimEnd());
    }
}
