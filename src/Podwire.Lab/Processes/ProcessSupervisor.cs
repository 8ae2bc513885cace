using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Podwire.Lab.Processes;

/// <summary>A process the lab started for a container: enough to find it again, and to be sure it is the same one.</summary>
public sealed record SupervisedProcess(
    int Pid,
    string Netns,
    string Program,
    IReadOnlyList<string> Args,
    string LogPath,
    long StartTicks);

/// <summary>
/// Runs containers' commands inside pods' namespaces and stops them by PID.
/// <para>
/// Design note. The command is started as <c>setsid ip netns exec NETNS PROGRAM ARGS…</c> through
/// <c>sh -c 'exec …'</c>: every step execs in place, so the PID we get is the program's own PID;
/// <c>ip netns exec</c> also bind-mounts /etc/netns/NETNS/* over /etc as a pod would see it;
/// setsid makes the program lead its own process group, so stopping it also stops whatever it
/// forked. Output goes straight to a log file (not a pipe through this process), so a supervisor
/// that dies does not take its children down with SIGPIPE, and <c>down</c> can still stop them by
/// the recorded PID, checked against the start time so a recycled PID is never signalled.
/// </para>
/// </summary>
public sealed class ProcessSupervisor : IDisposable
{
    private const int SIGHUP = 1;
    private const int SIGKILL = 9;
    private const int SIGTERM = 15;
    private const string RecordName = "processes.tsv";

    private readonly Dictionary<int, (SupervisedProcess Info, Process Process)> _running = [];
    private readonly Lock _gate = new();

    /// <param name="logDir">Where each process's output goes, as NAME.log.</param>
    public ProcessSupervisor(string logDir, TimeSpan? gracePeriod = null)
    {
        LogDir = logDir;
        GracePeriod = gracePeriod ?? TimeSpan.FromSeconds(5);
    }

    public string LogDir { get; }

    /// <summary>How long a process has between SIGTERM and SIGKILL.</summary>
    public TimeSpan GracePeriod { get; }

    /// <summary>
    /// The executable a container command names: an absolute or relative path that is an
    /// executable file, or the first match on PATH; null when the machine has no such program
    /// (the pod then gets the built-in probe server instead).
    /// </summary>
    public static string? Resolve(string program)
    {
        if (program.Length == 0) return null;
        if (program.Contains('/')) return IsExecutable(program) ? Path.GetFullPath(program) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    /// <summary>
    /// Starts <paramref name="program"/> with <paramref name="args"/> inside <paramref name="netns"/>,
    /// appending stdout and stderr to LogDir/<paramref name="name"/>.log. Returns the program's PID.
    /// A missing namespace throws <see cref="Datapath.DatapathException"/>; a program that fails
    /// to start exits at once (see its log and <see cref="IsRunning"/>).
    /// </summary>
    public int Start(string netns, string program, IReadOnlyList<string> args, string name, IReadOnlyDictionary<string, string>? env = null)
    {
        if (!Datapath.Netns.Exists(netns)) throw new Datapath.DatapathException($"no network namespace {netns}");
        Directory.CreateDirectory(LogDir);
        var logPath = Path.Combine(LogDir, name + ".log");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // $1 is the log file; the rest is the command line, passed as words and never re-parsed.
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("log=$1; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null");
        psi.ArgumentList.Add("podwire-exec");
        psi.ArgumentList.Add(logPath);
        foreach (var word in (string[])["setsid", "ip", "netns", "exec", netns, program]) psi.ArgumentList.Add(word);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var info = new SupervisedProcess(process.Id, netns, program, [.. args], logPath, StartTicksOf(process.Id) ?? 0);
        lock (_gate)
        {
            _running[process.Id] = (info, process);
            Record();
        }
        return process.Id;
    }

    /// <summary>SIGHUP to a process started here (a configuration reload); false if it is not ours.</summary>
    public bool Reload(int pid)
    {
        lock (_gate)
        {
            if (!_running.TryGetValue(pid, out var e) || e.Process.HasExited) return false;
        }
        kill(pid, SIGHUP);
        return true;
    }

    // PID and start time of every running process, rewritten on each change, so that a 'down'
    // after this supervisor was killed can still stop them (see StopRecorded).
    private void Record()
    {
        var lines = new System.Text.StringBuilder();
        // PID, start time, then what adoption needs to match it again: netns, log path, program, args.
        foreach (var (info, _) in _running.Values)
            lines.Append(info.Pid.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(info.StartTicks.ToString(CultureInfo.InvariantCulture))
                .Append('\t').Append(info.Netns).Append('\t').Append(info.LogPath).Append('\t').Append(info.Program)
                .Append('\t').Append(string.Join('\u001f', info.Args)).Append('\n');
        var path = Path.Combine(LogDir, RecordName);
        File.WriteAllText(path + ".tmp", lines.ToString());
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>
    /// Stops the processes a supervisor with this <paramref name="logDir"/> recorded as running
    /// (one that died without stopping them); each only if its PID still names the same process.
    /// </summary>
    public static int StopRecorded(string logDir, TimeSpan grace)
    {
        string[] lines;
        try { lines = File.ReadAllLines(Path.Combine(logDir, RecordName)); }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
        int n = 0;
        foreach (var line in lines)
        {
            var f = line.Split('\t');
            if (f.Length >= 2 && int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && StopOrphan(pid, ticks, grace))
                n++;
        }
        return n;
    }

    /// <summary>
    /// Takes over the processes an earlier supervisor with this log folder recorded (a daemon that
    /// was killed): each one still running as the same process (PID and start time) is supervised
    /// here from now on, stopped and reloaded like one started here. Returns them.
    /// </summary>
    public IReadOnlyList<SupervisedProcess> Adopt()
    {
        string[] lines;
        try { lines = File.ReadAllLines(Path.Combine(LogDir, RecordName)); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
        var adopted = new List<SupervisedProcess>();
        lock (_gate)
        {
            foreach (var line in lines)
            {
                var f = line.Split('\t');
                if (f.Length < 6 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
                    !long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || !Alive(pid, ticks)) continue;
                Process process;
                try { process = Process.GetProcessById(pid); }
                catch (ArgumentException) { continue; }
                var info = new SupervisedProcess(pid, f[2], f[4], f[5].Length == 0 ? [] : f[5].Split('\u001f'), f[3], ticks);
                _running[pid] = (info, process);
                adopted.Add(info);
            }
            Record();
        }
        return adopted;
    }

    /// <summary>What was recorded for a PID started here and not yet stopped.</summary>
    public SupervisedProcess? Get(int pid)
    {
        lock (_gate) return _running.TryGetValue(pid, out var e) ? e.Info : null;
    }

    /// <summary>The processes started here and not yet stopped, by PID.</summary>
    public IReadOnlyList<SupervisedProcess> List()
    {
        lock (_gate)
        {
            var list = new List<SupervisedProcess>(_running.Count);
            foreach (var (info, _) in _running.Values) list.Add(info);
            list.Sort((a, b) => a.Pid.CompareTo(b.Pid));
            return list;
        }
    }

    /// <summary>True while the process exists and has not exited (a zombie counts as exited).</summary>
    public bool IsRunning(int pid)
    {
        lock (_gate)
        {
            if (_running.TryGetValue(pid, out var entry)) return !entry.Process.HasExited;
        }
        return ProcState(pid) is { } state && state != 'Z' && state != 'X';
    }

    /// <summary>
    /// SIGTERM to the process group, SIGKILL after the grace period, then waits until the process
    /// is reaped. False if <paramref name="pid"/> was not started here (or already stopped).
    /// </summary>
    public bool Stop(int pid)
    {
        (SupervisedProcess Info, Process Process) entry;
        lock (_gate)
        {
            if (!_running.Remove(pid, out entry)) return false;
            Record();
        }
        using var process = entry.Process;
        if (!process.HasExited)
        {
            Signal(pid, SIGTERM);
            if (!process.WaitForExit(GracePeriod))
            {
                Signal(pid, SIGKILL);
                process.WaitForExit();
            }
        }
        process.WaitForExit();
        // Whatever the program forked and left behind in its group goes with it.
        kill(-pid, SIGKILL);
        return true;
    }

    /// <summary>Stops every process started here; returns how many were stopped.</summary>
    public int StopAll()
    {
        int[] pids;
        lock (_gate) pids = [.. _running.Keys];
        Array.Sort(pids);
        var n = 0;
        foreach (var pid in pids)
            if (Stop(pid)) n++;
        return n;
    }

    public void Dispose() => StopAll();

    /// <summary>
    /// Stops a process recorded by an earlier supervisor (a daemon that died): only if the PID
    /// still names the process that started at <paramref name="startTicks"/>. It is not our child,
    /// so its parent (init, once we are gone) reaps it; we wait until it is gone or a zombie.
    /// </summary>
    public static bool StopOrphan(int pid, long startTicks, TimeSpan grace)
    {
        if (StartTicksOf(pid) != startTicks) return false;
        Signal(pid, SIGTERM);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < grace)
        {
            if (!Alive(pid, startTicks)) break;
            Thread.Sleep(20);
        }
        if (Alive(pid, startTicks)) Signal(pid, SIGKILL);
        while (Alive(pid, startTicks) && deadline.Elapsed < grace + TimeSpan.FromSeconds(5)) Thread.Sleep(20);
        kill(-pid, SIGKILL);
        return true;
    }

    private static bool Alive(int pid, long startTicks) =>
        StartTicksOf(pid) == startTicks && ProcState(pid) is { } s && s != 'Z' && s != 'X';

    // The group first (setsid made the program its leader), the process itself as a fallback.
    private static void Signal(int pid, int signal)
    {
        if (kill(-pid, signal) != 0) kill(pid, signal);
    }

    /// <summary>Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot.</summary>
    public static long? StartTicksOf(int pid) =>
        StatFields(pid) is { } f && f.Length > 19 && long.TryParse(f[19], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;

    private static char? ProcState(int pid) => StatFields(pid) is { Length: > 0 } f && f[0].Length == 1 ? f[0][0] : null;

    // The fields after "(comm)"; comm may hold spaces and parentheses, so split after the last ')'.
    private static string[]? StatFields(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        var close = stat.LastIndexOf(')');
        return close < 0 ? null : stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    // DllImport rather than LibraryImport: the signature is blittable (no marshalling code is
    // generated, NativeAOT binds it directly) and the project need not allow unsafe code.
    [DllImport("libc")]
    private static extern int kill(int pid, int sig);
}
