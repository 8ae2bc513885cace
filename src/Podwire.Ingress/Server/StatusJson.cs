using System.Text.Json;
using Podwire.Ingress.Config;

namespace Podwire.Ingress.Server;

/// <summary>
/// The status document (<c>/_podwire/status</c>, <c>podwire-ingress status -o json</c>):
/// <c>{"generation","loadedAt","lastErrors":[…],"ingresses":[{"ingress","state","reason"}…],
/// "backends":[{"backend","destinations":[…],"note"}…],"certificates":[…],"warnings":[…]}</c>.
/// Written by hand so it stays trim-safe and its field order fixed.
/// </summary>
public static class StatusJson
{
    public static byte[] Write(IngressConfig config, IReadOnlyList<string> lastErrors)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("generation", config.Generation);
            w.WriteString("loadedAt", config.LoadedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            Strings(w, "lastErrors", lastErrors);
            w.WriteStartArray("ingresses");
            foreach (var s in config.Ingresses)
            {
                w.WriteStartObject();
                w.WriteString("ingress", s.Ingress);
                w.WriteString("state", s.State);
                w.WriteString("reason", s.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("backends");
            foreach (var b in config.Backends)
            {
                w.WriteStartObject();
                w.WriteString("backend", b.Key);
                Strings(w, "destinations", b.Destinations);
                w.WriteString("note", b.Note);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            Strings(w, "certificates", [.. config.Certificates.Names]);
            Strings(w, "warnings", config.Warnings);
            w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
