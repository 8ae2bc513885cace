using System.Buffers;
using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Podwire.Sources;

/// <summary>
/// Streams YamlDotNet parser events straight into UTF-8 JSON, one document at a time. Skipping
/// YamlDotNet's representation model is what makes large inputs fast (DESIGN.md: building the
/// YamlStream costs ~4× the bare parse). Plain scalars are typed as go-yaml (YAML 1.1, which
/// Kubernetes uses) would type them, so the same values fail or succeed as with kubectl.
/// </summary>
internal sealed class YamlToJson
{
    private readonly IParser _parser;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;
    private readonly Dictionary<string, (int Start, int End)> _anchors = new(StringComparer.Ordinal);

    public YamlToJson(IParser parser)
    {
        _parser = parser;
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = false });
    }

    /// <summary>A converted document: its JSON, the line it starts on, and top-level apiVersion/kind.</summary>
    public readonly record struct Document(ReadOnlyMemory<byte> Json, int Line, string? ApiVersion, string? Kind, bool IsNull);

    /// <summary>Reads the next document; false at the end of the stream. Throws YamlException on syntax errors.</summary>
    public bool TryRead(out Document doc)
    {
        doc = default;
        _parser.TryConsume<StreamStart>(out _);
        if (_parser.TryConsume<StreamEnd>(out _) || _parser.Current is null) return false;
        var start = _parser.Consume<DocumentStart>();
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _anchors.Clear();
        string? apiVersion = null, kind = null;
        bool isNull = false;
        if (_parser.Current is MappingStart)
        {
            var ms = _parser.Consume<MappingStart>();
            int begin = Mark(ms.Anchor);
            _writer.WriteStartObject();
            while (!_parser.TryConsume<MappingEnd>(out _))
            {
                string key = ReadKey();
                _writer.WritePropertyName(key);
                if (_parser.Current is Scalar s && (key == "kind" || key == "apiVersion"))
                {
                    if (key == "kind") kind = s.Value; else apiVersion = s.Value;
                }
                WriteNode();
            }
            _writer.WriteEndObject();
            EndMark(ms.Anchor, begin);
        }
        else if (_parser.Current is Scalar { Style: ScalarStyle.Plain, Value: "" or "~" or "null" })
        {
            _parser.MoveNext();
            isNull = true; // an empty document ("---" followed by nothing)
        }
        else
        {
            WriteNode();
        }
        _parser.Consume<DocumentEnd>();
        _writer.Flush();
        doc = new Document(_buffer.WrittenMemory.ToArray(), (int)start.Start.Line, apiVersion, kind, isNull);
        return true;
    }

    private string ReadKey()
    {
        if (_parser.Current is Scalar s)
        {
            _parser.MoveNext();
            return s.Value;
        }
        var ev = _parser.Current!;
        throw new YamlException(ev.Start, ev.End, "mapping keys must be scalars");
    }

    private int Mark(AnchorName anchor)
    {
        if (anchor.IsEmpty) return 0;
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    private void EndMark(AnchorName anchor, int begin)
    {
        if (anchor.IsEmpty) return;
        _writer.Flush();
        _anchors[anchor.Value] = (begin, _buffer.WrittenCount);
    }

    private void WriteNode()
    {
        switch (_parser.Current)
        {
            case Scalar s:
            {
                _parser.MoveNext();
                int begin = Mark(s.Anchor);
                WriteScalar(s);
                EndMark(s.Anchor, begin);
                break;
            }
            case SequenceStart ss:
            {
                _parser.MoveNext();
                int begin = Mark(ss.Anchor);
                _writer.WriteStartArray();
                while (!_parser.TryConsume<SequenceEnd>(out _)) WriteNode();
                _writer.WriteEndArray();
                EndMark(ss.Anchor, begin);
                break;
            }
            case MappingStart ms:
            {
                _parser.MoveNext();
                int begin = Mark(ms.Anchor);
                _writer.WriteStartObject();
                while (!_parser.TryConsume<MappingEnd>(out _))
                {
                    string key = ReadKey();
                    if (key == "<<") throw new YamlException(_parser.Current!.Start, _parser.Current.End, "YAML merge keys (<<) are not supported; write the fields out");
                    _writer.WritePropertyName(key);
                    WriteNode();
                }
                _writer.WriteEndObject();
                EndMark(ms.Anchor, begin);
                break;
            }
            case AnchorAlias alias:
            {
                _parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var range))
                    throw new YamlException(alias.Start, alias.End, $"unknown alias *{alias.Value.Value}");
                _writer.Flush();
                var span = _buffer.WrittenSpan[range.Start..range.End];
                // The captured bytes may begin with the separator written before the anchored value.
                if (span.Length > 0 && span[0] == (byte)',') span = span[1..];
                _writer.WriteRawValue(span.ToArray(), skipInputValidation: true);
                break;
            }
            default:
            {
                var ev = _parser.Current!;
                throw new YamlException(ev.Start, ev.End, $"unexpected {ev.GetType().Name}");
            }
        }
    }

    private void WriteScalar(Scalar s)
    {
        if (s.Style != ScalarStyle.Plain || !s.Tag.IsEmpty && s.Tag.Value == "tag:yaml.org,2002:str")
        {
            _writer.WriteStringValue(s.Value);
            return;
        }
        string v = s.Value;
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                _writer.WriteNullValue(); return;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y":
                _writer.WriteBooleanValue(true); return;
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N":
                _writer.WriteBooleanValue(false); return;
        }
        if (LooksNumeric(v))
        {
            if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) { _writer.WriteNumberValue(l); return; }
            if (v.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(v.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out l)) { _writer.WriteNumberValue(l); return; }
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)) { _writer.WriteNumberValue(d); return; }
        }
        _writer.WriteStringValue(v);
    }

    private static bool LooksNumeric(string v)
    {
        if (v.Length == 0) return false;
        char c = v[0];
        if (c is '+' or '-' or '.') return v.Length > 1 && (char.IsAsciiDigit(v[1]) || v[1] == '.' && v.Length > 2 && char.IsAsciiDigit(v[2]));
        if (!char.IsAsciiDigit(c)) return false;
        // "1.2.3", "10.0.0.1" or "8080/TCP" stay strings.
        int dots = 0;
        foreach (char ch in v)
        {
            if (ch == '.') dots++;
            else if (!(char.IsAsciiDigit(ch) || ch is 'e' or 'E' or '+' or '-' or 'x' or 'X' || char.IsAsciiHexDigit(ch))) return false;
        }
        return dots <= 1;
    }
}
