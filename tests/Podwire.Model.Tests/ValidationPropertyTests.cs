using System.Text.RegularExpressions;
using CsCheck;
using Podwire.Model.Validation;

namespace Podwire.Model.Tests;

/// <summary>The hand-written matchers agree with the upstream regexes on random strings built from the characters that matter.</summary>
public class ValidationPropertyTests
{
    private static readonly Gen<string> Names = Gen.String[Gen.Char["ab9-._AZ*/ "], 0, 70];

    private static readonly Regex Label = new("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    private static readonly Regex Subdomain = new("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static readonly Regex Dns1035 = new("^[a-z]([-a-z0-9]*[a-z0-9])?$");
    private static readonly Regex Qualified = new("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$");
    private static readonly Regex Wildcard = new("^\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

    [Fact]
    public void Dns1123LabelMatchesRegex() =>
        Names.Sample(s => (NameRules.Dns1123Label(s) is null) == (s.Length <= 63 && Label.IsMatch(s)));

    [Fact]
    public void Dns1123SubdomainMatchesRegex() =>
        Names.Sample(s => (NameRules.Dns1123Subdomain(s) is null) == (s.Length <= 253 && Subdomain.IsMatch(s)));

    [Fact]
    public void Dns1035LabelMatchesRegex() =>
        Names.Sample(s => (NameRules.Dns1035Label(s) is null) == (s.Length <= 63 && Dns1035.IsMatch(s)));

    [Fact]
    public void LabelValueMatchesRegex() =>
        Names.Sample(s => (NameRules.LabelValue(s) is null) == (s.Length <= 63 && (s.Length == 0 || Qualified.IsMatch(s))));

    [Fact]
    public void WildcardMatchesRegex() =>
        Names.Sample(s => (NameRules.WildcardDns1123Subdomain(s) is null) == (s.Length <= 253 && Wildcard.IsMatch(s)));

    [Fact]
    public void QualifiedNameMatchesPrefixAndNameRules() =>
        Names.Sample(s =>
        {
            var parts = s.Split('/');
            bool expected = parts.Length switch
            {
                1 => s.Length <= 63 && Qualified.IsMatch(s),
                2 => parts[0].Length is > 0 and <= 253 && Subdomain.IsMatch(parts[0]) && parts[1].Length <= 63 && Qualified.IsMatch(parts[1]),
                _ => false,
            };
            return (NameRules.QualifiedName(s) is null) == expected;
        });

    [Fact]
    public void PortNameMatchesIanaRules() =>
        Gen.String[Gen.Char["az09-A"], 0, 18].Sample(s =>
        {
            bool expected = s.Length is > 0 and <= 15 && Regex.IsMatch(s, "^[-a-z0-9]+$") && Regex.IsMatch(s, "[a-z]")
                && !s.Contains("--") && s[0] != '-' && s[^1] != '-';
            return PortRules.IsValidPortName(s) == expected;
        });
}
