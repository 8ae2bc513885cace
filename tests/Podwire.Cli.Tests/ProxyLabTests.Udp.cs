using System.Diagnostics;

namespace Podwire.Cli.Tests;

/// <summary>UDP through the proxy, in the class's lab: answers, and flows that follow endpoint changes.</summary>
public sealed partial class ProxyLabTests
{
    [Fact]
    public void UdpServiceAnswers()
    {
        if (!IsRoot) return;
        var r = lab.Exec("default/client", "python3", "-c",
            "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(3);s.sendto(b'hostname',('10.96.100.10',53));print(s.recvfrom(100)[0].decode())");
        Assert.Contains(r.Stdout.Trim(), new[] { "a1", "a2" });
    }

    /// <summary>
    /// A UDP client that keeps its source port keeps its conntrack entry, and NAT is decided on a
    /// flow's first packet only: without the proxy deleting stale entries, it would go on reaching
    /// an endpoint that left the Service (here still alive, so it would even answer), or being
    /// rejected by a Service that now has endpoints, for as long as it keeps sending.
    /// </summary>
    [Fact]
    public void UdpFlowsFollowEndpointChangesAtOnce()
    {
        if (!IsRoot) return;
        var dir = Directory.CreateTempSubdirectory("pw-proxytest-");
        try
        {
            var flip = UdpClient("10.96.100.27", 41000, 8);
            var none = UdpClient("10.96.100.28", 41001, 8);
            Thread.Sleep(2500);
            var changed = Manifests.Replace("selector: {app: a, local: \"yes\"}\n  ports: [{port: 53", "selector: {app: a, side: \"2\"}\n  ports: [{port: 53")
                .Replace("selector: {app: a, side: \"none\"}", "selector: {app: a, side: \"2\"}");
            Assert.NotEqual(Manifests, changed);
            File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), changed);
            var apply = Repo.Podwire("apply", "-f", dir.FullName, "--cluster", lab.Name);
            Assert.True(apply.ExitCode == 0, apply.Stderr);
            var applied = DateTime.UtcNow;
            var flipped = Answers(flip);
            var healed = Answers(none);
            // Before: a1 answers udpflip, nobody answers udpnone (rejected). After: a2 answers both, within a second.
            Assert.Equal("a1", flipped.First(a => a.At < applied).Who);
            Assert.DoesNotContain(healed, a => a.At < applied && a.Who != "-");
            foreach (var list in new[] { flipped, healed })
            {
                var late = list.Where(a => a.At > applied.AddSeconds(1)).ToList();
                Assert.True(late.Count > 10, $"only {late.Count} answers after the change");
                Assert.All(late, a => Assert.Equal("a2", a.Who));
            }
        }
        finally
        {
            File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), Manifests);
            Repo.Podwire("apply", "-f", dir.FullName, "--cluster", lab.Name);
            dir.Delete(true);
        }
    }

    // Sends "hostname" every 100 ms from one fixed source port; prints "unix-time answer" (or "-").
    private Process UdpClient(string vip, int sourcePort, double seconds)
    {
        const string script = """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", int(sys.argv[2])))
            s.settimeout(0.1)
            end = time.time() + float(sys.argv[3])
            while time.time() < end:
                s.sendto(b"hostname", (sys.argv[1], 53))
                try:
                    who = s.recv(100).decode()
                except OSError:
                    who = "-"
                print(time.time(), who, flush=True)
                time.sleep(0.1)
            """;
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var x in new[] { "netns", "exec", $"pw-{lab.Name}-pod-default.client", "python3", "-c", script, vip,
                     sourcePort.ToString(System.Globalization.CultureInfo.InvariantCulture), seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(x);
        return Process.Start(psi)!;
    }

    private static List<(DateTime At, string Who)> Answers(Process p)
    {
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(30_000), "UDP client did not finish");
            var list = new List<(DateTime, string)>();
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                var at = DateTime.UnixEpoch.AddSeconds(double.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
                list.Add((at, parts[1]));
            }
            Assert.True(list.Count > 20, stdout + stderr);
            return list;
        }
    }
}
