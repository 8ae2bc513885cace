using System.Net;
using Podwire.Datapath;

namespace Podwire.Proxy.Tests;

/// <summary>Deleting conntrack entries over ctnetlink, in a throwaway namespace with real UDP flows. Root only.</summary>
public sealed class ConntrackKernelTests
{
    [RootFact]
    public void DeletesExactlyTheMatchingFlows()
    {
        using var ns = new TestNetns("proxy");
        Assert.Equal(0, ns.Exec("ip", "link", "set", "lo", "up").ExitCode);
        // Any ct expression makes the namespace track connections.
        var nft = ns.Nft("add table ip t\nadd chain ip t out { type filter hook output priority 0; }\nadd rule ip t out ct state new counter\n");
        Assert.True(nft.ExitCode == 0, nft.Stderr);
        // Three UDP flows from one source port: to 9999 (answered, so a reply tuple from there), 9998 and 9997.
        var send = ns.Exec("python3", "-c", """
            import socket
            srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind(("127.0.0.1", 9999))
            c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.bind(("127.0.0.1", 40000))
            for port in (9999, 9998, 9997): c.sendto(b"x", ("127.0.0.1", port))
            data, peer = srv.recvfrom(10); srv.sendto(b"y", peer)
            """);
        Assert.True(send.ExitCode == 0, send.Stderr);
        var lo = IPAddress.Loopback;
        using var socket = NfTablesSocket.Open(ns.Name);
        // The reply must come from the given source and port.
        Assert.Equal((0, (string?)null), socket.DeleteConntrack([new ConntrackMatch(17, lo, 9999, lo, 1234)]));
        Assert.Equal((1, (string?)null), socket.DeleteConntrack([new ConntrackMatch(17, lo, 9999, lo, 9999)]));
        Assert.Equal((0, (string?)null), socket.DeleteConntrack([new ConntrackMatch(17, lo, 9999)]));
        // TCP matches nothing here; the two others go together, by destination alone.
        Assert.Equal((0, (string?)null), socket.DeleteConntrack([new ConntrackMatch(6, lo, 9998)]));
        Assert.Equal((2, (string?)null), socket.DeleteConntrack([new ConntrackMatch(17, lo, 9998), new ConntrackMatch(17, lo, 9997)]));
    }
}
