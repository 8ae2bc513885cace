using Podwire.Controllers.AddOns;
using System.Diagnostics;
using System.Net.Sockets;
using Podwire.Datapath;
using Podwire.Lab.Probe;
using Podwire.Lab.Processes;
using Podwire.Lab.Topology;

namespace Podwire.Lab.Daemon;

/// <summary>
/// What runs in the pods: each declared container port served by the probe server, a container
/// command that names a program on this machine run by PID, and the ingress controller in the
/// ingress add-on pods (DnsDataplane serves the DNS pods). Started after a pod is attached,
/// stopped before it is detached.
/// </summary>
public sealed class Workloads(LabPaths paths, string cluster, TextWriter log, Action<string> say) : IDisposable
{
    private readonly ProbeServer _probes = new(log);
    private readonly ProcessSupervisor _processes = new(paths.LogDir);
    private readonly Dictionary<string, int> _podProcesses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ingressControllers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public ProcessSupervisor Processes => _processes;

    public int ProcessCount { get { lock (_gate) return _podProcesses.Count; } }

    public void Start(IReadOnlyList<PodPlan> pods)
    {
        foreach (var p in pods)
        {
            switch (p.Pod.Annotations.Get(LabAddOns.ComponentAnnotation))
            {
                case LabAddOns.DnsComponent: continue;
                case LabAddOns.IngressComponent: StartIngress(p); continue;
            }
            if (p.Pod.Command is { Count: > 0 } cmd && ProcessSupervisor.Resolve(cmd[0]) is not null)
            {
                int pid = _processes.Start(p.Netns, cmd[0], cmd.Skip(1).ToArray(), p.Namespace + "_" + p.Name);
                lock (_gate) _podProcesses[p.Key] = pid;
                continue;
            }
            var ports = p.Pod.Ports.Select(x => (x.Port, x.Protocol)).Distinct().ToList();
            if (ports.Count > 0) _probes.AddPod(new ProbeTarget(p.Namespace, p.Name, p.Netns, ports));
        }
    }

    /// <summary>
    /// After a daemon restart: the pods' programs that kept running (recorded by the supervisor
    /// of the daemon that died) are taken over, those of pods no longer planned are stopped, and
    /// every other planned pod gets its workload again (the probe sockets died with the daemon).
    /// </summary>
    public (int Adopted, int Started) Adopt(IReadOnlyList<PodPlan> pods)
    {
        var byLog = pods.ToDictionary(p => Path.Combine(paths.LogDir, p.Namespace + "_" + p.Name + ".log"), StringComparer.Ordinal);
        var adopted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var proc in _processes.Adopt())
        {
            if (!byLog.TryGetValue(proc.LogPath, out var pod) || pod.Netns != proc.Netns || !adopted.Add(pod.Key)) { _processes.Stop(proc.Pid); continue; }
            lock (_gate)
            {
                _podProcesses[pod.Key] = proc.Pid;
                if (pod.Pod.Annotations.Get(LabAddOns.ComponentAnnotation) == LabAddOns.IngressComponent) _ingressControllers[pod.Key] = proc.Pid;
            }
        }
        var rest = pods.Where(p => !adopted.Contains(p.Key)).ToList();
        Start(rest);
        return (adopted.Count, rest.Count);
    }

    public void Stop(IReadOnlyList<PodPlan> pods)
    {
        foreach (var p in pods)
        {
            int pid;
            lock (_gate)
            {
                _ingressControllers.Remove(p.Key);
                if (!_podProcesses.Remove(p.Key, out pid)) pid = 0;
            }
            if (pid != 0) _processes.Stop(pid);
            else _probes.RemovePod(p.Namespace, p.Name);
        }
    }

    /// <summary>SIGHUP to the ingress controllers not in <paramref name="startedNow"/> (those read the new state already).</summary>
    public void ReloadIngress(IReadOnlyCollection<string> startedNow)
    {
        KeyValuePair<string, int>[] all;
        lock (_gate) all = [.. _ingressControllers];
        foreach (var (key, pid) in all)
            if (!startedNow.Contains(key)) _processes.Reload(pid);
    }

    /// <summary>
    /// The ingress controller (<c>podwire-ingress serve --lab</c>) as the program of an ingress
    /// add-on pod. It reads the lab's cluster itself and reloads on SIGHUP after each apply.
    /// </summary>
    private void StartIngress(PodPlan p)
    {
        var exe = IngressBinary();
        if (exe is null)
        {
            say($"no podwire-ingress next to this podwire (run ./podwire to build it): pod {p.Key} runs no ingress controller");
            return;
        }
        int pid = _processes.Start(p.Netns, exe, ["serve", "--lab", cluster, "--http", "0.0.0.0:80", "--https", "0.0.0.0:443"],
            p.Namespace + "_" + p.Name);
        lock (_gate)
        {
            _podProcesses[p.Key] = pid;
            _ingressControllers[p.Key] = pid;
        }
    }

    private static string? IngressBinary()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PODWIRE_INGRESS") is { Length: > 0 } given) candidates.Add(given);
        if (Environment.GetEnvironmentVariable("PODWIRE_HOME") is { Length: > 0 } home) candidates.Add(Path.Combine(home, ".build", "ingress", "podwire-ingress"));
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "..", "ingress", "podwire-ingress"));
        foreach (var c in candidates)
            if (File.Exists(c)) return Path.GetFullPath(c);
        return null;
    }

    // 'up' returns when the network is ready, and the ingress is part of it: wait (bounded) until
    // every controller accepts connections on port 80 inside its pod.
    public void WaitForIngress(LabPlan plan, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        KeyValuePair<string, int>[] all;
        lock (_gate) all = [.. _ingressControllers];
        foreach (var (key, pid) in all)
        {
            var pod = plan.Pods.First(p => p.Key == key);
            var ip = System.Net.IPAddress.Parse(pod.IP);
            bool up = false;
            while (!up && sw.Elapsed < limit && _processes.IsRunning(pid))
            {
                try
                {
                    Netns.RunIn(pod.Netns, () =>
                    {
                        using var s = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                        s.Connect(ip, 80);
                        return 0;
                    });
                    up = true;
                }
                catch (DatapathException) { Thread.Sleep(50); }
            }
            say(up ? $"ingress controller in {key} ready in {sw.ElapsedMilliseconds} ms"
                   : $"ingress controller in {key} not answering on port 80 (see {paths.LogDir}/{pod.Namespace}_{pod.Name}.log)");
        }
    }

    public void Dispose()
    {
        _processes.StopAll();
        _probes.Dispose();
    }
}
