using System.Net;
using Podwire.Model.Net;

namespace Podwire.Model.Validation;

/// <summary>IP and CIDR syntax as the API server checks it (strict: no "10.1", no leading zeros, no zones).</summary>
public static class IpRules
{
    public const string IpMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
    public const string CidrMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

    public static bool TryParseIp(string? text, out IPAddress ip) => IpMath.TryParseStrict(text, out ip);

    public static bool TryParseCidr(string? text, out Cidr cidr)
    {
        cidr = default;
        if (string.IsNullOrEmpty(text)) return false;
        int slash = text.IndexOf('/');
        // Cidr.TryParse accepts IPAddress's lenient forms for the address part; re-check it strictly.
        return slash > 0 && IpMath.TryParseStrict(text[..slash], out _) && Cidr.TryParse(text, out cidr);
    }

    /// <summary>Reports an invalid address; returns the parsed one otherwise.</summary>
    public static IPAddress? CheckIp(ProblemSink sink, string path, string? text)
    {
        if (TryParseIp(text, out var ip)) return ip;
        sink.Add(path, FieldErrors.Invalid(text ?? "", IpMessage));
        return null;
    }

    public static Cidr? CheckCidr(ProblemSink sink, string path, string? text)
    {
        if (TryParseCidr(text, out var c)) return c;
        sink.Add(path, FieldErrors.Invalid(text ?? "", CidrMessage));
        return null;
    }
}
