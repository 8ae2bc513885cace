namespace Podwire.Sources;

/// <summary>A run of whole YAML documents inside a file: character range and the line it starts on.</summary>
internal readonly record struct Chunk(int Start, int Length, int LineOffset);

/// <summary>
/// Splits a multi-document YAML text at <c>---</c> lines into about <paramref name="target"/>
/// chunks of whole documents, so each can be parsed on its own core. A line starting with
/// <c>---</c> always begins a new document in YAML, even inside a block scalar, so splitting
/// there never changes the meaning.
/// </summary>
internal static class DocumentSplitter
{
    public static List<Chunk> Split(string text, int target)
    {
        var markers = new List<(int Pos, int Line)>();
        int line = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if ((i == 0 || text[i - 1] == '\n') && i + 3 <= text.Length && text[i] == '-' && text[i + 1] == '-' && text[i + 2] == '-'
                && (i + 3 == text.Length || text[i + 3] is '\n' or '\r' or ' ' or '\t'))
                markers.Add((i, line));
            if (text[i] == '\n') line++;
        }
        var chunks = new List<Chunk>();
        int want = Math.Max(1, text.Length / Math.Max(1, target));
        int start = 0, startLine = 0;
        foreach (var (pos, ln) in markers)
        {
            if (pos - start >= want)
            {
                chunks.Add(new Chunk(start, pos - start, startLine));
                start = pos;
                startLine = ln;
            }
        }
        chunks.Add(new Chunk(start, text.Length - start, startLine));
        return chunks;
    }
}
