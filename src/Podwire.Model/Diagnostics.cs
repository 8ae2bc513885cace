namespace Podwire.Model;

/// <summary>Where an object came from: a file (or "-" for stdin) and the 1-based line its document starts on.</summary>
public sealed record SourceLocation(string File, int Line)
{
    public static readonly SourceLocation Generated = new("<generated>", 0);
    public override string ToString() => Line > 0 ? $"{File}:{Line}" : File;
}

/// <summary>Names an object the way kubectl does in messages: <c>Service prod/web</c>.</summary>
public sealed record ObjectRef(string Kind, string? Namespace, string Name)
{
    public override string ToString() =>
        string.IsNullOrEmpty(Namespace) ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}

/// <summary>One thing wrong with the input: where, which object, which field, and why.</summary>
public sealed record Problem(SourceLocation Location, ObjectRef? Object, string? Field, string Message)
{
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(Location);
        if (Object is not null) sb.Append(": ").Append(Object);
        if (!string.IsNullOrEmpty(Field)) sb.Append(": ").Append(Field);
        sb.Append(": ").Append(Message);
        return sb.ToString();
    }
}

/// <summary>
/// Collects problems for one object so validators can report every error in one pass
/// instead of stopping at the first.
/// </summary>
public sealed class ProblemSink
{
    private readonly List<Problem> _problems;
    public SourceLocation Location { get; }
    public ObjectRef? Object { get; }

    public ProblemSink(List<Problem> problems, SourceLocation location, ObjectRef? obj)
    {
        _problems = problems;
        Location = location;
        Object = obj;
    }

    public void Add(string field, string message) => _problems.Add(new Problem(Location, Object, field, message));
    public bool HasAny => _problems.Count > 0;
}
