using System.Diagnostics;

namespace Podwire.Cli.Tests;

/// <summary>UDP through the proxy, in the class's lab: answers, and flows that follow endpoint changes.</summary>
public sealed partial class ProxyLabTests
{
    [RootFact]
    public void UdpServiceAnswers()
    {
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
    [RootFact]
    public void UdpFlowsFollowEndpointChangesAtOnce()
    {
        var dir = Directory.CreateTempSubdirectory("pw-proxytest-");
        using var flip = new UdpProbe(lab.Netns("pod-default.client"), "10.96.100.27", 41000);
        using var none = new UdpProbe(lab.Netns("pod-default.client"), "10.96.100.28", 41001);
        try
        {
            // Both flows established (udpflip answered by a1, udpnone rejected a few times) before the change.
            Assert.True(flip.WaitFor(l => l.Count(a => a.Who == "a1") >= 5, TimeSpan.FromSeconds(20)), "udpflip never answered: " + flip.Log);
            Assert.True(none.WaitFor(l => l.Count >= 5, TimeSpan.FromSeconds(20)), "udpnone client did not run: " + none.Log);
            var changed = Manifests.Replace("selector: {app: a, local: \"yes\"}\n  ports: [{port: 53", "selector: {app: a, side: \"2\"}\n  ports: [{port: 53")
                .Replace("selector: {app: a, side: \"none\"}", "selector: {app: a, side: \"2\"}");
            Assert.NotEqual(Manifests, changed);
            File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), changed);
            // The kernel has the change before apply returns: answers between these two stamps may
            // come from either side, so only those before `before` and after `after` are judged.
            var before = DateTime.UtcNow;
            var apply = lab.Lab.Apply(dir.FullName);
            var after = DateTime.UtcNow;
            Assert.True(apply.ExitCode == 0, apply.Stderr);
            // "At once": within a second of apply returning. Enough answers after that to judge.
            var settled = after.AddSeconds(1);
            foreach (var probe in new[] { flip, none })
                Assert.True(probe.WaitFor(l => l.Count(a => a.At > settled) > 10, TimeSpan.FromSeconds(20)), "too few answers after the change: " + probe.Log);
            var flipped = flip.Stop();
            var healed = none.Stop();
            // Before: a1 answers udpflip, nobody answers udpnone (rejected). After: a2 answers both.
            Assert.Equal("a1", flipped.First(a => a.At < before).Who);
            Assert.DoesNotContain(healed, a => a.At < before && a.Who != "-");
            foreach (var list in new[] { flipped, healed })
            {
                var late = list.Where(a => a.At > settled).ToList();
                Assert.True(late.Count > 10, $"only {late.Count} answers after the change");
                Assert.All(late, a => Assert.Equal("a2", a.Who));
            }
        }
        finally
        {
            File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), Manifests);
            lab.Lab.Apply(dir.FullName);
            dir.Delete(true);
        }
    }

    /// <summary>
    /// A UDP client in a pod namespace sending "hostname" every 100 ms from one fixed source port,
    /// each answer (or "-") recorded with the time it came, until stopped. It runs as long as the
    /// test needs, not a fixed time, so a slow apply on a loaded machine cannot leave it without
    /// answers to judge.
    /// </summary>
    private sealed class UdpProbe : IDisposable
    {
        private const string Script = """
            import os, socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", int(sys.argv[2])))
            s.settimeout(0.1)
            end = time.time() + 120
            while time.time() < end and not os.path.exists(sys.argv[3]):
                s.sendto(b"hostname", (sys.argv[1], 53))
                try:
                    who = s.recv(100).decode()
                except OSError:
                    who = "-"
                print(time.time(), who, flush=True)
                time.sleep(0.1)
            """;

        private readonly Process process;
        private readonly string stopFile = Path.Combine(Path.GetTempPath(), $"pw-udpprobe-{Guid.NewGuid():N}");
        private readonly List<(DateTime At, string Who)> answers = [];
        private readonly System.Text.StringBuilder log = new();

        public UdpProbe(string netns, string vip, int sourcePort)
        {
            process = Process.Start(Programs.StartInfo("ip", ["netns", "exec", netns, "python3", "-c", Script, vip,
                sourcePort.ToString(System.Globalization.CultureInfo.InvariantCulture), stopFile]))!;
            process.OutputDataReceived += (_, e) => Record(e.Data);
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (answers) log.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Log { get { lock (answers) return log.ToString(); } }

        private void Record(string? line)
        {
            if (line is null) return;
            var parts = line.Split(' ');
            lock (answers)
            {
                log.AppendLine(line);
                if (parts.Length == 2 && double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var t))
                    answers.Add((DateTime.UnixEpoch.AddSeconds(t), parts[1]));
            }
        }

        public bool WaitFor(Func<IReadOnlyList<(DateTime At, string Who)>, bool> done, TimeSpan limit)
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < limit && !process.HasExited)
            {
                lock (answers) if (done(answers)) return true;
                Thread.Sleep(50);
            }
            lock (answers) return done(answers);
        }

        /// <summary>Ends the client (it sees the stop file) and returns every answer it got.</summary>
        public List<(DateTime At, string Who)> Stop()
        {
            File.WriteAllText(stopFile, "");
            Assert.True(process.WaitForExit(30_000), "UDP client did not stop");
            process.WaitForExit(); // flushes the asynchronous output readers
            lock (answers)
            {
                Assert.True(answers.Count > 20, log.ToString());
                return [.. answers];
            }
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            process.Dispose();
            File.Delete(stopFile);
        }
    }
}
