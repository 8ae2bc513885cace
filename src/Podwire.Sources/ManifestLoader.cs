using System.Text;
using System.Text.Json;
using Podwire.Model;
using YamlDotNet.Core;

namespace Podwire.Sources;

/// <summary>
/// Reads Kubernetes manifests the way <c>kubectl apply -f</c> does: files, folders (recursive,
/// <c>*.yaml|*.yml|*.json</c>, in name order), <c>-</c> for stdin, multi-document YAML, JSON and
/// <c>kind: List</c>. Large files are split at document markers and parsed on every core.
/// </summary>
public static class ManifestLoader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Inputs at or above this size are split into chunks parsed in parallel.</summary>
    private const int ParallelThreshold = 256 * 1024;

    public static LoadResult Load(IEnumerable<string> paths, TextReader? stdin = null)
    {
        var problems = new List<Problem>();
        var files = new List<(string Name, string Text)>();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                files.Add(("<stdin>", (stdin ?? Console.In).ReadToEnd()));
                continue;
            }
            if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                foreach (var f in found) files.Add((f, File.ReadAllText(f)));
                continue;
            }
            if (!File.Exists(path))
            {
                problems.Add(new Problem(new SourceLocation(path, 0), null, null, "no such file or directory"));
                continue;
            }
            files.Add((path, File.ReadAllText(path)));
        }
        return LoadTexts(files, problems);
    }

    /// <summary>Parses already-read texts (for tests and stdin); names are used in messages.</summary>
    public static LoadResult LoadTexts(IReadOnlyList<(string Name, string Text)> files, List<Problem>? problems = null)
    {
        problems ??= [];
        var notices = new List<string>();
        var objects = new List<LoadedObject>();
        foreach (var (name, text) in files)
        {
            var chunks = text.Length >= ParallelThreshold ? DocumentSplitter.Split(text, Environment.ProcessorCount * 4) : [new Chunk(0, text.Length, 0)];
            var results = new ChunkResult[chunks.Count];
            if (chunks.Count == 1) results[0] = ParseChunk(name, text, chunks[0]);
            else Parallel.For(0, chunks.Count, i => results[i] = ParseChunk(name, text, chunks[i]));
            foreach (var r in results)
            {
                objects.AddRange(r.Objects);
                notices.AddRange(r.Notices);
                problems.AddRange(r.Problems);
                if (r.Problems.Count > 0 && r.Fatal) break;
            }
        }
        return new LoadResult(objects, DedupeNotices(notices), problems);
    }

    private static IReadOnlyList<string> DedupeNotices(List<string> notices)
    {
        // One line per skipped kind, with a count: "skipped 3 ConfigMap objects (not used by the network)".
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var n in notices)
        {
            if (counts.TryGetValue(n, out int c)) counts[n] = c + 1;
            else { counts[n] = 1; order.Add(n); }
        }
        return order.Select(k => counts[k] == 1 ? $"skipped 1 {k} object (not used by Podwire)" : $"skipped {counts[k]} {k} objects (not used by Podwire)").ToList();
    }

    internal sealed record ChunkResult(List<LoadedObject> Objects, List<string> Notices, List<Problem> Problems, bool Fatal);

    private static ChunkResult ParseChunk(string file, string text, Chunk chunk)
    {
        var objects = new List<LoadedObject>();
        var notices = new List<string>();
        var problems = new List<Problem>();
        var slice = text.AsSpan(chunk.Start, chunk.Length);
        if (IsJson(slice))
        {
            ParseJsonFile(file, Encoding.UTF8.GetBytes(text), objects, notices, problems);
            return new ChunkResult(objects, notices, problems, false);
        }
        var parser = new Parser(new StringReader(text.Substring(chunk.Start, chunk.Length)));
        var converter = new YamlToJson(parser);
        while (true)
        {
            YamlToJson.Document doc;
            try
            {
                if (!converter.TryRead(out doc)) break;
            }
            catch (YamlException e)
            {
                int line = (int)e.Start.Line + chunk.LineOffset;
                problems.Add(new Problem(new SourceLocation(file, line), null, null, $"YAML syntax error at line {line}, column {e.Start.Column}: {Describe(e)}"));
                return new ChunkResult(objects, notices, problems, true);
            }
            if (doc.IsNull) continue;
            var loc = new SourceLocation(file, doc.Line + chunk.LineOffset);
            Accept(doc.Json.Span, doc.ApiVersion, doc.Kind, loc, objects, notices, problems);
        }
        return new ChunkResult(objects, notices, problems, false);
    }

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes messages with the position; we print our own.
        var msg = e.Message;
        int close = msg.IndexOf("): ", StringComparison.Ordinal);
        return msg.StartsWith('(') && close > 0 ? msg[(close + 3)..] : msg;
    }

    private static bool IsJson(ReadOnlySpan<char> text)
    {
        var t = text.TrimStart();
        return t.Length > 0 && (t[0] == '{' || t[0] == '[');
    }

    private static void ParseJsonFile(string file, byte[] bytes, List<LoadedObject> objects, List<string> notices, List<Problem> problems)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            int line = (int)(e.LineNumber ?? 0) + 1;
            problems.Add(new Problem(new SourceLocation(file, line), null, null, $"JSON syntax error at line {line}: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}"));
            return;
        }
        using (doc)
        {
            var items = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.EnumerateArray().ToList() : [doc.RootElement];
            foreach (var item in items)
            {
                var raw = Encoding.UTF8.GetBytes(item.GetRawText());
                string? api = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("apiVersion", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
                string? kind = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                Accept(raw, api, kind, new SourceLocation(file, 1), objects, notices, problems);
            }
        }
    }

    private static void Accept(ReadOnlySpan<byte> json, string? apiVersion, string? kind, SourceLocation loc,
        List<LoadedObject> objects, List<string> notices, List<Problem> problems)
    {
        if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(apiVersion))
        {
            problems.Add(new Problem(loc, null, string.IsNullOrEmpty(apiVersion) ? "apiVersion" : "kind",
                "Required value: every object needs apiVersion and kind"));
            return;
        }
        if (kind.EndsWith("List", StringComparison.Ordinal) && apiVersion == "v1" || kind == "List")
        {
            ExpandList(json, loc, objects, notices, problems);
            return;
        }
        if (KindRegistry.IsTyped(apiVersion, kind))
        {
            try
            {
                objects.Add(new LoadedObject(KindRegistry.DecodeTyped(apiVersion, kind, json), apiVersion, kind, loc));
            }
            catch (JsonException e)
            {
                problems.Add(new Problem(loc, ObjectRefFromJson(json, kind), JsonPathToField(e.Path), TypeMessage(e)));
            }
            return;
        }
        if (KindRegistry.IsRaw(apiVersion, kind))
        {
            var r = ObjectRefFromJson(json, kind);
            objects.Add(new LoadedObject(new RawObject(apiVersion, kind, r?.Namespace, r?.Name ?? "", Encoding.UTF8.GetString(json), loc), apiVersion, kind, loc));
            return;
        }
        notices.Add($"{apiVersion} {kind}");
    }

    private static void ExpandList(ReadOnlySpan<byte> json, SourceLocation loc, List<LoadedObject> objects, List<string> notices, List<Problem> problems)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        if (!doc.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            if (items.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return;
            problems.Add(new Problem(loc, null, "items", "Invalid value: must be a list of objects"));
            return;
        }
        foreach (var item in items.EnumerateArray())
        {
            string? api = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("apiVersion", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            string? kind = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            Accept(Encoding.UTF8.GetBytes(item.GetRawText()), api, kind, loc, objects, notices, problems);
        }
    }

    private static ObjectRef? ObjectRefFromJson(ReadOnlySpan<byte> json, string kind)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            if (!doc.RootElement.TryGetProperty("metadata", out var md) || md.ValueKind != JsonValueKind.Object) return new ObjectRef(kind, null, "");
            string? ns = md.TryGetProperty("namespace", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            string name = md.TryGetProperty("name", out var nm) && nm.ValueKind == JsonValueKind.String ? nm.GetString()! : "";
            return new ObjectRef(kind, ns, name);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>$.spec.ports[0].port</c> → <c>spec.ports[0].port</c>.</summary>
    private static string? JsonPathToField(string? path) =>
        path is null ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string TypeMessage(JsonException e)
    {
        var msg = e.Message;
        int cut = msg.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) msg = msg[..cut];
        if (msg.StartsWith("The JSON value could not be converted to ", StringComparison.Ordinal))
        {
            var type = msg["The JSON value could not be converted to ".Length..].TrimEnd('.');
            var friendly = type switch
            {
                "System.String" => "a string (quote the value)",
                "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" or "System.Nullable`1[System.Int64]" => "an integer",
                "System.Boolean" or "System.Nullable`1[System.Boolean]" => "a boolean",
                _ when type.StartsWith("System.Collections.Generic.IList", StringComparison.Ordinal) => "a list",
                _ when type.StartsWith("System.Collections.Generic.IDictionary", StringComparison.Ordinal) => "a map",
                _ => "a " + type[(type.LastIndexOf('.') + 1)..] + " object",
            };
            return $"Invalid value: expected {friendly}";
        }
        return "Invalid value: " + msg;
    }
}
