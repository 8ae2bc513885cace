using System.CommandLine;
using System.Diagnostics;
using Podwire.Lab;
using Podwire.Lab.Daemon;
using Podwire.Lab.Topology;

namespace Podwire.Cli.Commands;

/// <summary>The lab daemon as a process: starting it detached, finding it by PID, asking its status, its log, and what it needs on this machine.</summary>
public static class LabDaemonProcess
{
    /// <summary>The daemon's status, or null when it does not answer.</summary>
    public static StatusReply? TryStatus(LabPaths paths)
    {
        try
        {
            var answer = new LabClient(paths.Socket).Call(new LabRequest.Status(), timeout: TimeSpan.FromSeconds(10));
            return answer.Error is null ? StatusReply.Read(answer.Body) : null;
        }
        catch (IOException) { return null; }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException) { return null; }
    }

    /// <summary>The lab's pod network as its state says, or null when the state is gone (teardown by names alone).</summary>
    public static Podwire.Lab.PodNetwork.IPodNetwork? NetworkOf(LabPaths paths)
    {
        try { return File.Exists(paths.StateFile) ? Podwire.Lab.PodNetwork.PodNetworks.Find(LabState.Load(paths.StateFile).Backend) : null; }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException) { return null; }
    }

    /// <summary>The tools the lab drives (iproute2, nftables' library); an error saying how to get them when missing.</summary>
    public static void RequireTools()
    {
        var missing = LabTools.Missing();
        if (missing.Count > 0)
            throw new CliException($"the lab needs {string.Join(", ", missing)}, which this machine lacks: install them (Debian: apt-get install {string.Join(" ", missing.Select(m => m.Package).Distinct())}) or run ./podwire, which installs them as root", ExitCodes.Failed);
    }

    public static string? LastLogLine(LabPaths paths)
    {
        try { return File.Exists(paths.LogFile) ? File.ReadLines(paths.LogFile).LastOrDefault(l => l.Trim().Length > 0) : null; }
        catch (IOException) { return null; }
    }

    /// <summary>Copies the daemon's log out of the state folder (which teardown removes); returns where.</summary>
    public static string KeepLog(LabPaths paths)
    {
        var kept = Path.Combine(Path.GetTempPath(), $"podwire-{Path.GetFileName(paths.Root)}-failed.log");
        try { if (File.Exists(paths.LogFile)) File.Copy(paths.LogFile, kept, overwrite: true); }
        catch (IOException) { return paths.LogFile; }
        return kept;
    }

    public static int? DaemonPid(LabPaths paths)
    {
        if (!File.Exists(paths.PidFile) || !int.TryParse(File.ReadAllText(paths.PidFile).Trim(), out int pid)) return null;
        // A PID file can outlive its process and the number be reused: check it is our daemon.
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("daemon", StringComparison.Ordinal) ? pid : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The folders CNI plugins are looked up in: ours (built by ./podwire) first, then the reference plugins.</summary>
    public static string CniPath()
    {
        var dirs = new List<string>();
        var home = Environment.GetEnvironmentVariable("PODWIRE_HOME");
        if (home is not null) dirs.Add(Path.Combine(home, ".build", "cni"));
        dirs.Add(Path.Combine(AppContext.BaseDirectory, "..", "cni"));
        dirs.Add("/usr/lib/cni");
        dirs.Add("/opt/cni/bin");
        return string.Join(":", dirs.Select(Path.GetFullPath).Distinct());
    }

    /// <summary>Starts the daemon detached from this terminal, its output going to the lab's log file.</summary>
    public static int StartDaemon(LabPaths paths, string cluster, bool resume = false)
    {
        var self = Environment.ProcessPath ?? throw new CliException("cannot find the podwire executable");
        var psi = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("setsid \"$0\" daemon --cluster \"$1\" $3 </dev/null >>\"$2\" 2>&1 & echo $!");
        psi.ArgumentList.Add(self);
        psi.ArgumentList.Add(cluster);
        psi.ArgumentList.Add(paths.LogFile);
        psi.ArgumentList.Add(resume ? "--resume" : "");
        using var p = Process.Start(psi)!;
        var pid = int.Parse(p.StandardOutput.ReadToEnd().Trim());
        p.WaitForExit();
        return pid;
    }

    public static bool WaitForSocket(LabPaths paths, int pid, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var client = new LabClient(paths.Socket);
        while (sw.Elapsed < timeout)
        {
            if (File.Exists(paths.Socket) && client.TryConnect(out var s)) { s.Dispose(); return true; }
            if (!Directory.Exists($"/proc/{pid}")) return false;
            Thread.Sleep(20);
        }
        return false;
    }
}
