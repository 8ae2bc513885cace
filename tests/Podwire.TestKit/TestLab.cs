using System.Diagnostics;
using System.Text.Json;

namespace Podwire.TestKit;

/// <summary>
/// A lab brought up through ./podwire for one test (root only) and removed on Dispose, which also
/// checks that nothing with its prefix is left: namespaces, /etc/netns folders, state, processes.
/// Shared by every lab test so they clean up and check the same way.
/// </summary>
public sealed class TestLab : IDisposable
{
    public static string NewCluster() => "t" + Guid.NewGuid().ToString("N")[..7];

    public string Name { get; }
    public RunResult Up { get; }

    /// <summary>Brings up MANIFESTS (a file or folder) with any extra <c>up</c> arguments.</summary>
    public TestLab(string manifests, params string[] extra) : this(NewCluster(), manifests, extra) { }

    private TestLab(string name, string manifests, string[] extra)
    {
        Name = name;
        Up = PodwireCli.Run(["up", "-f", manifests, "--cluster", Name, .. extra]);
        if (Up.ExitCode != 0) PodwireCli.Run("down", "--cluster", Name); // a failed up still leaves nothing behind
        Assert.True(Up.ExitCode == 0, $"up failed: {Up.Stderr}");
    }

    /// <summary>Brings up manifests given as YAML text (written to a temporary folder, removed once up).</summary>
    public static TestLab FromYaml(string yaml, params string[] extra)
    {
        var dir = Directory.CreateTempSubdirectory("pw-testlab-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "cluster.yaml"), yaml);
            return new TestLab(dir.FullName, extra);
        }
        finally { dir.Delete(true); }
    }

    public RunResult Exec(string pod, params string[] cmd) => PodwireCli.Run(["exec", pod, "--cluster", Name, "--", .. cmd]);

    /// <summary>Runs a command in one of the lab's own namespaces (node-node-1, underlay, pod-default.client…).</summary>
    public RunResult InNetns(string suffix, params string[] cmd) => Programs.Run("ip", ["netns", "exec", Netns(suffix), .. cmd]);

    /// <summary>The full name of one of the lab's namespaces.</summary>
    public string Netns(string suffix) => $"pw-{Name}-{suffix}";

    /// <summary><c>podwire apply -f PATH…</c> on this lab.</summary>
    public RunResult Apply(params string[] paths) => PodwireCli.Run(["apply", .. paths.SelectMany(p => new[] { "-f", p }), "--cluster", Name]);

    /// <summary><c>podwire port-forward ARGS… --cluster NAME</c>, running until disposed; returns once it listens.</summary>
    public IDisposable PortForward(params string[] args)
    {
        var p = Process.Start(PodwireCli.StartInfo(["port-forward", .. args, "--cluster", Name]))!;
        var forward = new Forward(p);
        try { Assert.StartsWith("Forwarding from 127.0.0.1:", p.StandardOutput.ReadLine()); }
        catch { forward.Dispose(); throw; }
        return forward;
    }

    private sealed class Forward(Process p) : IDisposable
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
        var r = PodwireCli.Run("get", "pods", "-A", "-o", "json", "--cluster", Name);
        Assert.Equal(0, r.ExitCode);
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("items");
    }

    public void Dispose()
    {
        var down = PodwireCli.Run("down", "--cluster", Name);
        Assert.True(down.ExitCode == 0, $"down failed: {down.Stderr}");
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

/// <summary>
/// One lab for every test of a class (an IClassFixture): brought up by the first test that uses
/// it, so a class whose tests are all skipped (not root) never starts one, and removed with the
/// same checks as <see cref="TestLab"/> when the class is done.
/// </summary>
public abstract class SharedLab : IDisposable
{
    private readonly Lazy<TestLab> lab;

    protected SharedLab() => lab = new(() => TestLab.FromYaml(Manifests), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The cluster's YAML.</summary>
    protected abstract string Manifests { get; }

    public TestLab Lab => lab.Value;
    public string Name => Lab.Name;
    public RunResult Exec(string pod, params string[] cmd) => Lab.Exec(pod, cmd);
    public RunResult InNetns(string suffix, params string[] cmd) => Lab.InNetns(suffix, cmd);
    public string Netns(string suffix) => Lab.Netns(suffix);

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        if (lab.IsValueCreated) lab.Value.Dispose();
    }
}
