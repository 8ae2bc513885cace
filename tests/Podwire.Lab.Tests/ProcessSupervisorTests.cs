using System.Diagnostics;
using Podwire.Lab.Probe;
using Podwire.Lab.Processes;
using Podwire.Lab.Tests.Probe;
using Xunit.Abstractions;

namespace Podwire.Lab.Tests.Processes;

public sealed class ProcessSupervisorTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _logDir = Path.Combine(Path.GetTempPath(), "pw-probe-logs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_logDir)) Directory.Delete(_logDir, recursive: true);
    }

    [Fact]
    public void Resolves_programs_on_path_or_by_path()
    {
        Assert.NotNull(ProcessSupervisor.Resolve("sh"));
        Assert.Equal("/bin/sh", ProcessSupervisor.Resolve("/bin/sh"));
        Assert.Null(ProcessSupervisor.Resolve("podwire-no-such-program"));
        var plain = Path.GetTempFileName(); // exists, not executable
        try
        {
            File.SetUnixFileMode(plain, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Null(ProcessSupervisor.Resolve(plain));
        }
        finally
        {
            File.Delete(plain);
        }
        Assert.Null(ProcessSupervisor.Resolve(""));
    }

    [RootFact]
    public void Runs_a_server_in_the_pod_namespace_and_stops_it_by_pid()
    {
        using var net = new ProbeNetwork();
        using var supervisor = new ProcessSupervisor(_logDir);
        var pid = supervisor.Start(net.Server, "python3", ["-m", "http.server", "9000"], "prod_web-1");
        try
        {
            Assert.True(supervisor.IsRunning(pid));
            var info = supervisor.Get(pid)!;
            Assert.Equal((pid, net.Server, "python3", Path.Combine(_logDir, "prod_web-1.log")), (info.Pid, info.Netns, info.Program, info.LogPath));
            Assert.Equal(["-m", "http.server", "9000"], info.Args);
            Assert.Equal([pid], supervisor.List().Select(p => p.Pid));
            var result = WaitForHttp(net.Client, 9000, TimeSpan.FromSeconds(15));
            Assert.True(result.Ok, $"{result.Failure}: {result.Detail}; log: {SafeRead(info.LogPath)}");
            // The PID is the program itself (every wrapper exec'd in place), in the pod's namespace.
            Assert.Contains("http.server", File.ReadAllText($"/proc/{pid}/cmdline"));
            Assert.Equal(NetnsInode(net.Server), new FileInfo($"/proc/{pid}/ns/net").LinkTarget);
            Assert.Equal(200, result.Status);
            Assert.Contains("Directory listing", result.Body);
            Assert.Contains("\"GET / HTTP/1.1\" 200", SafeRead(info.LogPath)); // stderr went to the log

            var sw = Stopwatch.StartNew();
            Assert.True(supervisor.Stop(pid));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), "SIGTERM should stop python at once");
            Assert.False(Directory.Exists($"/proc/{pid}"));
            Assert.False(supervisor.IsRunning(pid));
            Assert.Empty(supervisor.List());
            Assert.False(supervisor.Stop(pid));
            Assert.Equal(ProbeFailure.Refused, ProbeClient.Http(net.Client, ProbeNetwork.ServerIp, 9000, "/", TimeSpan.FromSeconds(2)).Failure);
        }
        finally
        {
            supervisor.StopAll();
        }
    }

    [RootFact]
    public void Kills_a_process_that_ignores_sigterm_and_everything_it_forked()
    {
        using var net = new ProbeNetwork();
        using var supervisor = new ProcessSupervisor(_logDir, TimeSpan.FromMilliseconds(300));
        // The shell ignores TERM, and so does its child (ignored signals survive exec).
        var pid = supervisor.Start(net.Server, "sh", ["-c", "trap '' TERM; sleep 300 & echo started; wait"], "stubborn");
        try
        {
            WaitUntil(() => SafeRead(Path.Combine(_logDir, "stubborn.log")).Contains("started"), TimeSpan.FromSeconds(10));
            var group = ProcessGroup(pid);
            Assert.True(group.Count >= 2, $"expected sh and sleep in group {pid}, found {group.Count}");

            var sw = Stopwatch.StartNew();
            Assert.True(supervisor.Stop(pid));
            output.WriteLine($"stopped after {sw.ElapsedMilliseconds} ms");
            Assert.InRange(sw.Elapsed.TotalSeconds, 0.25, 5);
            Assert.False(Directory.Exists($"/proc/{pid}"));
            WaitUntil(() => ProcessGroup(pid).Count == 0, TimeSpan.FromSeconds(5));
            Assert.Empty(ProcessGroup(pid));
        }
        finally
        {
            supervisor.StopAll();
        }
    }

    [RootFact]
    public void StopAll_stops_every_process_and_StopOrphan_checks_the_start_time()
    {
        using var net = new ProbeNetwork();
        using var supervisor = new ProcessSupervisor(_logDir, TimeSpan.FromSeconds(2));
        var a = supervisor.Start(net.Server, "sleep", ["300"], "a");
        var b = supervisor.Start(net.Client, "sleep", ["300"], "b");
        Assert.True(supervisor.IsRunning(a) && supervisor.IsRunning(b));
        Assert.Equal(2, supervisor.StopAll());
        Assert.False(Directory.Exists($"/proc/{a}") || Directory.Exists($"/proc/{b}"));

        // A PID whose start time does not match is someone else's: never signalled.
        var self = Environment.ProcessId;
        Assert.False(ProcessSupervisor.StopOrphan(self, (ProcessSupervisor.StartTicksOf(self) ?? 0) + 1, TimeSpan.FromSeconds(1)));
        Assert.True(Directory.Exists($"/proc/{self}"));
    }

    private static ProbeResult WaitForHttp(string netns, int port, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var r = ProbeClient.Http(netns, ProbeNetwork.ServerIp, port, "/", TimeSpan.FromSeconds(2));
            if (r.Ok || sw.Elapsed > limit) return r;
            Thread.Sleep(100);
        }
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        while (!condition() && sw.Elapsed < limit) Thread.Sleep(50);
    }

    private static string SafeRead(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static string NetnsInode(string netns) =>
        $"net:[{ProbeNetwork.Run("stat", "-L", "-c", "%i", $"/run/netns/{netns}").Stdout.Trim()}]";

    /// <summary>Live (non-zombie) processes whose process group is <paramref name="pgid"/>.</summary>
    private static List<int> ProcessGroup(int pgid)
    {
        var members = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (f[2] == pgid.ToString() && f[0] != "Z") members.Add(pid);
        }
        return members;
    }
}
