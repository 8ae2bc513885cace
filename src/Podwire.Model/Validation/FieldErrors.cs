using System.Globalization;
using System.Text;

namespace Podwire.Model.Validation;

/// <summary>
/// Builds messages in the API server's field-error style (<c>k8s.io/apimachinery/pkg/util/validation/field</c>),
/// so users see what <c>kubectl apply</c> would have told them. Values are rendered as Go's
/// <c>%q</c>/<c>%#v</c> would render them.
/// </summary>
public static class FieldErrors
{
    public const string Required = "Required value";

    public static string RequiredWith(string detail) => $"Required value: {detail}";
    public static string Forbidden(string detail) => $"Forbidden: {detail}";
    public static string Invalid(string value, string detail) => $"Invalid value: {Quote(value)}: {detail}";
    public static string Invalid(long value, string detail) => $"Invalid value: {value.ToString(CultureInfo.InvariantCulture)}: {detail}";
    public static string InvalidRaw(string rendered, string detail) => $"Invalid value: {rendered}: {detail}";
    public static string Duplicate(string value) => $"Duplicate value: {Quote(value)}";
    public static string Duplicate(long value) => $"Duplicate value: {value.ToString(CultureInfo.InvariantCulture)}";
    public static string TooMany(int actual, int max) => $"Too many: {actual}: must have at most {max} items";
    public static string TooLong(int max) => $"Too long: may not be more than {max} bytes";

    public static string Unsupported(string value, params string[] supported)
    {
        var sb = new StringBuilder("Unsupported value: ").Append(Quote(value)).Append(": supported values: ");
        for (int i = 0; i < supported.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Quote(supported[i]));
        }
        return sb.ToString();
    }

    /// <summary>Go's <c>%q</c> for the characters manifests realistically contain.</summary>
    public static string Quote(string? value)
    {
        value ??= "";
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Go's <c>%#v</c> of a <c>[]string</c>: <c>[]string{"a", "b"}</c>.</summary>
    public static string GoList(IEnumerable<string>? values)
    {
        var sb = new StringBuilder("[]string{");
        bool first = true;
        foreach (var v in values ?? [])
        {
            if (!first) sb.Append(", ");
            sb.Append(Quote(v));
            first = false;
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Go's <c>%#v</c> of a <c>map[string]string</c> (Go prints map keys sorted).</summary>
    public static string GoMap(IDictionary<string, string>? map)
    {
        var sb = new StringBuilder("map[string]string{");
        if (map is not null)
        {
            var keys = map.Keys.ToArray();
            Array.Sort(keys, StringComparer.Ordinal);
            for (int i = 0; i < keys.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(Quote(keys[i])).Append(':').Append(Quote(map[keys[i]]));
            }
        }
        return sb.Append('}').ToString();
    }
}
