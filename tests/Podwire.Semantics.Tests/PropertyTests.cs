using CsCheck;
using Podwire.Controllers.Dns;
using Podwire.Model;
using Podwire.Semantics.Dns;
using Podwire.Semantics.Ingress;

namespace Podwire.Semantics.Tests;

public sealed class PropertyTests
{
    private static readonly DnsZone Zone = DnsFixture.Zone();
    private static readonly Gen<string> Segment = Gen.String[Gen.Char["abcXY-."], 1, 6];

    [Fact]
    public void Dns_answers_ignore_case() =>
        Gen.Int[0, Zone.Nodes.Count - 1].Select(Gen.Int[0, 1 << 20]).Sample((i, mask) =>
        {
            var name = Zone.Nodes.Keys[i];
            var mixed = new string(name.Select((c, k) => ((mask >> (k % 20)) & 1) == 1 ? char.ToUpperInvariant(c) : c).ToArray());
            foreach (var t in new[] { DnsType.A, DnsType.SRV, DnsType.PTR, DnsType.TXT })
            {
                var a = DnsResolver.Query(Zone, name, t);
                var b = DnsResolver.Query(Zone, mixed, t);
                Assert.Equal(a.Rcode, b.Rcode);
                Assert.Equal(a.Answers, b.Answers);
            }
        });

    [Fact]
    public void Every_name_in_the_zone_has_its_ancestors_up_to_the_origin()
    {
        foreach (var name in Zone.Nodes.Keys)
        {
            var origin = Zone.Origins.First(o => DnsNames.IsAtOrBelow(name, o));
            for (var p = name; p != origin; p = DnsNames.Parent(p)!)
                Assert.True(Zone.Nodes.ContainsKey(p), p);
            Assert.Equal(DnsRcode.NoError, DnsResolver.Query(Zone, name, DnsType.A).Rcode);
        }
    }

    [Fact]
    public void Prefix_rule_matches_itself_and_subpaths_but_not_string_extensions() =>
        Gen.Select(Gen.String[Gen.Char["ab"], 1, 4].Array[1, 3], Gen.String[Gen.Char["abc"], 1, 4], Gen.Bool).Sample((segs, extra, slash) =>
        {
            string rule = "/" + string.Join('/', segs) + (slash ? "/" : "");
            string bare = rule.TrimEnd('/');
            Assert.True(IngressMatching.MatchPath(rule, PathType.Prefix, bare));
            Assert.True(IngressMatching.MatchPath(rule, PathType.Prefix, bare + "/"));
            Assert.True(IngressMatching.MatchPath(rule, PathType.Prefix, bare + "/" + extra));
            Assert.False(IngressMatching.MatchPath(rule, PathType.Prefix, bare + extra));
        });

    [Fact]
    public void Stub_candidates_end_with_or_start_with_the_name_itself() =>
        Gen.Select(Segment, Segment).Sample((a, b) =>
        {
            string name = (a + "." + b).Trim('.');
            if (name.Length == 0 || name.Contains("..")) return;
            var conf = new ResolvConf(["10.96.0.10"], ["prod.svc.cluster.local", "svc.cluster.local", "cluster.local"], [new ResolvOption("ndots", "5")]);
            var list = DnsResolver.Candidates(conf, name);
            // resolv.conf(5): a name with at least ndots dots is tried as-is first, otherwise last.
            bool asIsFirst = name.Count(c => c == '.') >= 5;
            Assert.Equal(DnsNames.Canonical(name), asIsFirst ? list[0] : list[^1]);
            Assert.Equal(list.Count, list.Distinct().Count());
        });
}
