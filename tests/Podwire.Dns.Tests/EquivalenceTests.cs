using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using Podwire.Controllers.Dns;
using Podwire.Semantics.Dns;
using ArDns = ARSoft.Tools.Net.Dns;

namespace Podwire.Dns.Tests;

/// <summary>
/// The server and <see cref="DnsResolver.Query"/> give the same answers: for every SPECS vector
/// and every name of the zone in every type, the rcode, the answer and additional sections
/// (name, type, TTL, data) agree. Replies are decoded by ARSoft.Tools.Net, not by our code.
/// </summary>
public sealed class EquivalenceTests
{
    private static readonly DnsType[] Types = [DnsType.A, DnsType.AAAA, DnsType.SRV, DnsType.PTR, DnsType.TXT, DnsType.CNAME, DnsType.MX, DnsType.ANY];

    private static readonly string[] SpecNames =
    [
        "dns-version.cluster.local.", "kubernetes.default.svc.cluster.local.", "WEB.Prod.svc.CLUSTER.local.",
        "web.prod.svc.cluster.local.", "_http._tcp.web.prod.svc.cluster.local.", "_dns._udp.web.prod.svc.cluster.local.",
        "_http._udp.web.prod.svc.cluster.local.", "34.12.96.10.in-addr.arpa.", "db.prod.svc.cluster.local.",
        "db-1.db.prod.svc.cluster.local.", "_pg._tcp.db.prod.svc.cluster.local.", "5.1.244.10.in-addr.arpa.",
        "empty.prod.svc.cluster.local.", "ext.prod.svc.cluster.local.", "nosuch.prod.svc.cluster.local.",
        "10-244-1-5.prod.pod.cluster.local.", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
        "web.prod.prod.svc.cluster.local.", "10-244-1-5.nosuchns.pod.cluster.local.", "x.10-244-1-5.prod.pod.cluster.local.",
        "cluster.local.", "svc.cluster.local.", "ip6.arpa.", "www.example.com.",
    ];

    [Fact]
    public void EverySpecVectorAndEveryZoneName_SameAsTheResolver()
    {
        var zone = Fixture.Zone(Fixture.V6Kubernetes, Fixture.BigHeadless(100));
        using var server = Fixture.Start(zone);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
        client.ReceiveTimeout = 2000;

        var names = new List<string>(SpecNames);
        foreach (var (name, _) in zone.Nodes) names.Add(name);
        int checkedCount = 0;
        foreach (var name in names)
            foreach (var type in Types)
            {
                var expected = DnsResolver.Query(zone, name, type);
                var reply = Ask(client, name, type);
                string what = $"{name} {type}";
                Assert.True((int)expected.Rcode == (int)reply.ReturnCode, $"{what}: {reply.ReturnCode} vs {expected.Rcode}");
                Assert.Equal(Canon(expected.Answers), Canon(reply.AnswerRecords), StringComparer.Ordinal);
                Assert.Equal(Canon(expected.Additional), Canon(reply.AdditionalRecords.Where(r => r.RecordType != RecordType.Opt)), StringComparer.Ordinal);
                checkedCount++;
            }
        Assert.True(checkedCount > 8 * 100, $"only {checkedCount} questions");
    }

    private static DnsMessage Ask(Socket client, string name, DnsType type)
    {
        var w = new DnsWireWriter();
        w.Header(0x0100);
        w.SetCount(0, 1);
        w.Question(name, (ushort)type);
        // EDNS0 OPT (root owner, type 41) with a 65000-byte buffer, so nothing is truncated.
        w.SetCount(3, 1);
        byte[] bytes = [.. w.ToArray(), 0, 0, 41, 0xFD, 0xE8, 0, 0, 0, 0, 0, 0];
        bytes[0] = 0x12; bytes[1] = 0x34;
        client.Send(bytes);
        var buf = new byte[65535];
        int n = client.Receive(buf);
        var msg = DnsMessage.Parse(new ArraySegment<byte>(buf, 0, n));
        Assert.Equal(0x1234, msg.TransactionID);
        if (!msg.IsTruncated) return msg;
        // Over 1232 bytes: UDP carries only the question with TC, and the client retries over TCP.
        Assert.True(n <= DnsResponder.MaxUdpPayload);
        msg = Wire.Tcp((IPEndPoint)client.RemoteEndPoint!, bytes).Message!;
        Assert.False(msg.IsTruncated);
        return msg;
    }

    private static List<string> Canon(IEnumerable<DnsRecord> records) =>
        [.. records.Select(r => $"{r.Name.ToLowerInvariant()} {r.Ttl} {r.Type} {r.Data.ToLowerInvariant()}").Order(StringComparer.Ordinal)];

    private static List<string> Canon(IEnumerable<DnsRecordBase> records) =>
        [.. records.Select(r => $"{Fqdn(r.Name)} {r.TimeToLive} {r.RecordType.ToString().ToUpperInvariant()} {Data(r)}").Order(StringComparer.Ordinal)];

    private static string Fqdn(ARSoft.Tools.Net.DomainName n)
    {
        var s = n.ToString().ToLowerInvariant();
        return s.EndsWith('.') ? s : s + ".";
    }

    private static string Data(DnsRecordBase r) => r switch
    {
        ARecord a => a.Address.ToString(),
        AaaaRecord a => a.Address.ToString(),
        SrvRecord s => $"{s.Priority} {s.Weight} {s.Port} {Fqdn(s.Target)}",
        PtrRecord p => Fqdn(p.PointerDomainName),
        CNameRecord c => Fqdn(c.CanonicalName),
        TxtRecord t => t.TextData.ToLowerInvariant(),
        _ => "?" + r.RecordType,
    };
}
