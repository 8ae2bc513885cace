using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Podwire.Dns.Tests;

/// <summary>A [Theory] that needs Knot's knotd; skipped, with the reason shown, where it is missing.</summary>
public sealed class KnotTheoryAttribute : TheoryAttribute
{
    public KnotTheoryAttribute()
    {
        if (Knot.Daemon is null) Skip = "knotd is not installed (apt-get install knot): no differential check against Knot";
    }
}

/// <summary>
/// knotd serving the SPECS fixture (exported with <see cref="DnsZoneFile"/>) on a random
/// 127.0.0.x address and a free port. Stopped by its own PID; its directory is removed.
/// </summary>
public sealed class Knot : IDisposable
{
    public static string? Daemon { get; } = Find();

    private readonly Process _process;
    private readonly string _dir;

    public Knot()
    {
        _dir = Directory.CreateTempSubdirectory("podwire-knot-").FullName;
        foreach (var (origin, text) in DnsZoneFile.Render(Fixture.Zone())) File.WriteAllText(Path.Combine(_dir, origin + "zone"), text);
        var address = new IPAddress([127, 0, 0, (byte)Random.Shared.Next(2, 250)]);
        int port = FreePort(address);
        Endpoint = new IPEndPoint(address, port);
        File.WriteAllText(Path.Combine(_dir, "knot.conf"), $"""
            server:
                rundir: "{_dir}"
                listen: {address}@{port}
                udp-workers: 1
                tcp-workers: 1
            log:
              - target: stderr
                any: error
            database:
                storage: "{_dir}"
            template:
              - id: default
                storage: "{_dir}"
                semantic-checks: off
            zone:
              - domain: cluster.local.
                file: cluster.local.zone
              - domain: in-addr.arpa.
                file: in-addr.arpa.zone
              - domain: ip6.arpa.
                file: ip6.arpa.zone
            """);
        var psi = new ProcessStartInfo(Daemon!) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Path.Combine(_dir, "knot.conf"));
        _process = Process.Start(psi)!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        WaitReady();
    }

    public IPEndPoint Endpoint { get; }

    private void WaitReady()
    {
        var query = Pkt.Cat(Pkt.Header(), Pkt.Question());
        var until = DateTime.UtcNow + Wire.HangBound;
        while (DateTime.UtcNow < until && !_process.HasExited)
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 200 };
            s.Connect(Endpoint);
            s.Send(query);
            try { if (s.Receive(new byte[512]) > 0) return; }
            catch (SocketException) { } // not listening yet
        }
        Dispose();
        throw new InvalidOperationException($"knotd did not answer on {Endpoint}");
    }

    private static int FreePort(IPAddress address)
    {
        using var t = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        t.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)t.LocalEndPoint!).Port;
    }

    private static string? Find()
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/local/sbin");
        foreach (var d in dirs)
            if (d.Length > 0 && File.Exists(Path.Combine(d, "knotd"))) return Path.Combine(d, "knotd");
        return null;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(); // this process only, by its PID
                _process.WaitForExit((int)Wire.HangBound.TotalMilliseconds);
            }
        }
        catch (InvalidOperationException) { } // already gone
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// The hostile corpus sent to Knot and to our server side by side: both drop, or both answer with
/// the same rcode, question, OPT presence and answer count, except for the documented departures
/// (<see cref="HostileCases.Case.KnotDiffers"/>), which are listed in the test output.
/// </summary>
public sealed class KnotDifferentialTests(SpecServer spec, KnotDifferentialTests.LazyKnot knot, ITestOutputHelper output)
    : IClassFixture<SpecServer>, IClassFixture<KnotDifferentialTests.LazyKnot>
{
    /// <summary>One knotd for the class, started on first use (never where the tests are skipped).</summary>
    public sealed class LazyKnot : IDisposable
    {
        private readonly Lazy<Knot> _knot = new(() => new Knot());
        public IPEndPoint Endpoint => _knot.Value.Endpoint;

        public void Dispose()
        {
            if (_knot.IsValueCreated) _knot.Value.Dispose();
        }
    }

    private IPEndPoint Ours => new(IPAddress.Loopback, spec.Server.Port);

    [KnotTheory]
    [MemberData(nameof(HostileCases.Names), MemberType = typeof(HostileCases))]
    public void SameAsKnot_OverUdpAndTcp(string name)
    {
        var c = HostileCases.Get(name);
        foreach (bool tcp in new[] { false, true })
        {
            var theirs = tcp ? Wire.Tcp(knot.Endpoint, c.Packet) : Wire.Udp(knot.Endpoint, c.Packet);
            var ours = tcp ? Wire.Tcp(Ours, c.Packet) : Wire.Udp(Ours, c.Packet);
            string what = $"{c.Name} over {(tcp ? "TCP" : "UDP")}: Knot {Shape(theirs)}, ours {Shape(ours)}";
            output.WriteLine(what);
            if (c.KnotDiffers is not null)
            {
                output.WriteLine($"  allowed departure: {c.KnotDiffers}");
                HostilePacketTests.Check(c, ours);
                continue;
            }
            Assert.True(Shape(theirs) == Shape(ours), what);
        }
    }

    private static string Shape(Outcome o) => o.Dropped ? "drop"
        : $"rcode {o.Rcode}, {o.QuestionCount} question(s), {(o.HasOpt ? "OPT" : "no OPT")}, {o.Message!.AnswerRecords.Count} answer(s){(o.Truncated ? ", TC" : "")}";
}
