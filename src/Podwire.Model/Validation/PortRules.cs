using System.Globalization;
using k8s.Models;

namespace Podwire.Model.Validation;

/// <summary>Port numbers, IANA service names and protocols, shared by every kind that names a port.</summary>
public static class PortRules
{
    public const string RangeMessage = "must be between 1 and 65535, inclusive";
    public static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];

    public static bool IsValidPortNumber(long n) => n is >= 1 and <= 65535;

    public static void CheckNumber(ProblemSink sink, string path, long n)
    {
        if (!IsValidPortNumber(n)) sink.Add(path, FieldErrors.Invalid(n, RangeMessage));
    }

    /// <summary>IANA_SVC_NAME (RFC 6335): what containerPort names and named port references must be.</summary>
    public static List<string>? PortName(string name)
    {
        List<string>? errs = null;
        if (name.Length > 15) (errs ??= []).Add(NameRules.MaxLen(15));
        bool charset = name.Length > 0, letter = false;
        foreach (char c in name)
        {
            if (c is >= 'a' and <= 'z') letter = true;
            else if (c is not ((>= '0' and <= '9') or '-')) charset = false;
        }
        if (!charset) (errs ??= []).Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        if (!letter) (errs ??= []).Add("must contain at least one letter (a-z)");
        if (name.Contains("--", StringComparison.Ordinal)) (errs ??= []).Add("must not contain consecutive hyphens");
        if (name.Length > 0 && (name[0] == '-' || name[^1] == '-')) (errs ??= []).Add("must not begin or end with a hyphen");
        return errs;
    }

    public static bool IsValidPortName(string name) => PortName(name) is null;

    public static void CheckName(ProblemSink sink, string path, string name) =>
        NameRules.Report(sink, path, name, PortName(name));

    /// <summary>Absent means TCP (the API server's default), so only a present, unknown value is wrong.</summary>
    public static void CheckProtocol(ProblemSink sink, string path, string? protocol)
    {
        if (string.IsNullOrEmpty(protocol)) return;
        if (protocol is not ("TCP" or "UDP" or "SCTP")) sink.Add(path, FieldErrors.Unsupported(protocol, Protocols));
    }

    public enum RefKind { None, Number, Name }

    /// <summary>
    /// Reads an IntOrString. The client model keeps only the text, so <c>8080</c> and <c>"8080"</c>
    /// look alike; an all-digit value is a number either way (a name needs a letter anyway).
    /// </summary>
    public static RefKind Classify(IntOrString? value, out long number, out string name)
    {
        number = 0;
        name = "";
        var text = value?.Value;
        if (string.IsNullOrEmpty(text)) return RefKind.None;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number)) return RefKind.Number;
        name = text;
        return RefKind.Name;
    }

    /// <summary>A port given as a number (1–65535) or an IANA_SVC_NAME.</summary>
    public static void CheckNumberOrName(ProblemSink sink, string path, IntOrString? value)
    {
        switch (Classify(value, out long n, out string name))
        {
            case RefKind.Number: CheckNumber(sink, path, n); break;
            case RefKind.Name: CheckName(sink, path, name); break;
        }
    }
}
