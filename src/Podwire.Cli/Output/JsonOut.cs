using System.Text.Json;

namespace Podwire.Cli.Output;

/// <summary>Writes one JSON object to stdout (the output contract: one object, nothing else on stdout).</summary>
public static class JsonOut
{
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            body(w);
        output.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }
}
