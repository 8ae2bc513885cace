using System.Text.Json;

namespace Podwire.Cli.Tests;

/// <summary>
/// A lab brought up through ./podwire for one test (root only) and removed on Dispose, which also
/// checks that nothing with its prefix is left: namespaces, /etc/netns folders, state, processes.
/// Shared by every lab test class so they clean up and check the same way.
/// </summary>
public sealed class TestLab : IDisposable
{
    public static bool IsRoot => Environment.IsPrivilegedProcess && OperatingSystem.IsLinux();

    public static string NewCluster() => "t" + Guid.NewGuid().ToString("N")[..7];

    public string Name { get; } = NewCluster();
    public Repo.Result Up { get; }

    public TestLab(string manifests, params string[] extra)
    {
        Up = Repo.Podwire(["up", "-f", manifests, "--cluster", Name, .. extra]);
        Assert.True(Up.ExitCode == 0, $"up failed: {Up.Stderr}");
    }

    public Repo.Result Exec(string pod, params string[] cmd) => Repo.Podwire(["exec", pod, "--cluster", Name, "--", .. cmd]);

    /// <summary>Runs a command in one of the lab's own namespaces (node-node-1, underlay, …).</summary>
    public Repo.Result InNetns(string suffix, params string[] cmd) => Repo.Run("ip", ["netns", "exec", $"pw-{Name}-{suffix}", .. cmd]);

    /// <summary><c>podwire port-forward ARGS… --cluster NAME</c>, running until disposed; returns once it listens.</summary>
    public IDisposable PortForward(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Repo.Path_("podwire")) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in (string[])["port-forward", .. args, "--cluster", Name]) psi.ArgumentList.Add(a);
        var p = System.Diagnostics.Process.Start(psi)!;
        var forward = new Forward(p);
        try { Assert.StartsWith("Forwarding from 127.0.0.1:", p.StandardOutput.ReadLine()); }
        catch { forward.Dispose(); throw; }
        return forward;
    }

    private sealed class Forward(System.Diagnostics.Process p) : IDisposable
    {
        public void Dispose()
        {
            p.Kill();
            p.WaitForExit(5000);
            p.Dispose();
        }
    }

    public JsonElement Pods()
    {
        var r = Repo.Podwire("get", "pods", "-A", "-o", "json", "--cluster", Name);
        Assert.Equal(0, r.ExitCode);
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("items");
    }

    public void Dispose()
    {
        var down = Repo.Podwire("down", "--cluster", Name);
        Assert.Equal(0, down.ExitCode);
        AssertNothingLeft(Name);
    }

    public static void AssertNothingLeft(string cluster)
    {
        var prefix = $"pw-{cluster}-";
        Assert.Empty(Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns", prefix + "*") : []);
        Assert.Empty(Directory.Exists("/etc/netns") ? Directory.GetDirectories("/etc/netns", prefix + "*") : []);
        Assert.False(Directory.Exists($"/run/podwire/{cluster}"), "state folder left behind");
        foreach (var proc in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; }
            Assert.DoesNotContain($"--cluster {cluster}", cmdline);
        }
    }
}
