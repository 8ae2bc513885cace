using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Lab.Backends;
using Podwire.Lab.Cni;
using Podwire.Lab.Probe;
using Podwire.Lab.Processes;
using Podwire.Lab.Topology;

namespace Podwire.Lab.Daemon;

/// <summary>
/// The long-running process behind a lab: builds the network, serves every pod's probe sockets,
/// runs pods' commands, applies changes, and tears everything down on request. One per cluster;
/// the CLI talks to it through <see cref="LabProtocol"/> on the lab's Unix socket.
/// </summary>
public sealed class LabDaemon
{
    private readonly LabPaths _paths;
    private readonly LabState _state;
    private readonly ICommandRunner _runner;
    private readonly TextWriter _log;
    private readonly List<string> _progress = [];
    private readonly object _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private string _phase = "building";
    private string? _failure;
    private LabPlan? _plan;
    private IBackend? _backend;
    private LabBuilder? _builder;
    private ProbeServer? _probes;
    private ProcessSupervisor? _processes;
    private readonly Dictionary<string, int> _podProcesses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ingressControllers = new(StringComparer.Ordinal);
    private readonly List<Dataplane.IDataplaneComponent> _components = [];
    private DerivedCluster? _cluster;

    /// <summary>Components synced after the pod network is built and after every apply.</summary>
    public IList<Dataplane.IDataplaneComponent> Components => _components;

    public LabDaemon(LabPaths paths, LabState state, ICommandRunner runner, TextWriter log)
    {
        _paths = paths;
        _state = state;
        _runner = runner;
        _log = log;
        _components.Add(new Dataplane.ServiceProxy(runner, log));
        _components.Add(new Dataplane.DnsDataplane(log));
        _components.Add(new Dataplane.PolicyDataplane(runner, log));
    }

    public int Run()
    {
        File.WriteAllText(_paths.PidFile, Environment.ProcessId.ToString());
        if (File.Exists(_paths.Socket)) File.Delete(_paths.Socket);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_paths.Socket));
        listener.Listen(16);
        var build = Task.Run(Build);
        var accept = Task.Run(() => AcceptLoop(listener));
        try { Task.WaitAny([accept], _stop.Token); }
        catch (OperationCanceledException) { }
        return 0;
    }

    private void Say(string text)
    {
        var line = $"[{_clock.Elapsed.TotalSeconds,5:F1}s] {text}";
        lock (_gate)
        {
            _progress.Add(line);
            Monitor.PulseAll(_gate);
        }
        _log.WriteLine(line);
        _log.Flush();
    }

    private void Build()
    {
        try
        {
            Say("loading manifests");
            var (cluster, problems) = LabCluster.Load(_state, _paths.ManifestDir);
            if (cluster is null) throw new InvalidOperationException(string.Join("; ", problems.Select(p => p.ToString())));
            _backend = Backends.Backends.Find(_state.Backend) ?? throw new InvalidOperationException($"unknown backend {_state.Backend}");
            _plan = LabPlan.Build(cluster, new LabOptions(_state.Cluster, _state.Backend, _state.ReferenceCni), _backend.MtuOverhead);
            _builder = new LabBuilder(_runner, _paths, new CniAttacher(_runner, _paths, _state.CniPath), Say);
            _builder.BuildNetwork(_plan, _backend);
            Say($"attaching {_plan.Pods.Count} pods through CNI ({(_state.ReferenceCni ? "reference bridge + host-local" : "podwire-cni")})");
            _builder.AddPods(_plan, _plan.Pods);
            _builder.Reconcile(_plan);
            ApplyGsoSize();
            _cluster = cluster;
            LabCluster.WritePins(_state, cluster);
            SyncComponents();
            _probes = new ProbeServer(_log);
            _processes = new ProcessSupervisor(_paths.LogDir);
            StartWorkloads(_plan.Pods);
            WaitForIngress(TimeSpan.FromSeconds(30));
            lock (_gate) _phase = "ready";
            Say($"ready: {_plan.Nodes.Count} nodes, {_plan.Pods.Count} pods ({_backend.Name})");
        }
        catch (Exception e)
        {
            lock (_gate) { _phase = "failed"; _failure = e.Message; }
            Say("failed: " + e.Message);
        }
    }

    // The backend's GSO/GRO size (BIG TCP) on every link of every lab namespace, new pods' included.
    private void ApplyGsoSize()
    {
        if (_backend!.GsoMaxSize is not uint size) return;
        var sw = Stopwatch.StartNew();
        var failures = new List<string>();
        foreach (var ns in Netns.List(new LabNames(_state.Cluster).Prefix))
            foreach (var f in LinkGsoSizes.Apply(ns, size)) failures.Add($"{ns} {f}");
        Say(failures.Count == 0 ? $"GSO/GRO size {size} (BIG TCP) on every link in {sw.ElapsedMilliseconds} ms"
            : $"GSO/GRO size {size} not taken by {failures.Count} link(s) (kernel < 6.3?), e.g. {failures[0]}");
    }

    private void SyncComponents()
    {
        foreach (var c in _components)
        {
            var sw = Stopwatch.StartNew();
            c.Sync(_cluster!, _plan!);
            Say($"{c.Name} synced in {sw.ElapsedMilliseconds} ms");
        }
    }

    private void StartWorkloads(IReadOnlyList<PodPlan> pods)
    {
        foreach (var p in pods)
        {
            switch (p.Pod.Annotations.Get(LabSystem.ComponentAnnotation))
            {
                case LabSystem.DnsComponent: continue; // DnsDataplane serves these pods
                case LabSystem.IngressComponent: StartIngress(p); continue;
            }
            if (p.Pod.Command is { Count: > 0 } cmd && ProcessSupervisor.Resolve(cmd[0]) is not null)
            {
                _podProcesses[p.Key] = _processes!.Start(p.Netns, cmd[0], cmd.Skip(1).ToArray(), p.Namespace + "_" + p.Name);
                continue;
            }
            var ports = p.Pod.Ports.Select(x => (x.Port, x.Protocol)).Distinct().ToList();
            if (ports.Count > 0) _probes!.AddPod(new ProbeTarget(p.Namespace, p.Name, p.Netns, ports));
        }
    }

    private void StopWorkloads(IReadOnlyList<PodPlan> pods)
    {
        foreach (var p in pods)
        {
            _ingressControllers.Remove(p.Key);
            if (_podProcesses.Remove(p.Key, out var pid)) _processes!.Stop(pid);
            else _probes?.RemovePod(p.Namespace, p.Name);
        }
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
            Say($"no podwire-ingress next to this podwire (run ./podwire to build it): pod {p.Key} runs no ingress controller");
            return;
        }
        int pid = _processes!.Start(p.Netns, exe, ["serve", "--lab", _state.Cluster, "--http", "0.0.0.0:80", "--https", "0.0.0.0:443"],
            p.Namespace + "_" + p.Name);
        _podProcesses[p.Key] = pid;
        _ingressControllers[p.Key] = pid;
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
    private void WaitForIngress(TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        foreach (var (key, pid) in _ingressControllers)
        {
            var pod = _plan!.Pods.First(p => p.Key == key);
            var ip = System.Net.IPAddress.Parse(pod.IP);
            bool up = false;
            while (!up && sw.Elapsed < limit && _processes!.IsRunning(pid))
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
            Say(up ? $"ingress controller in {key} ready in {sw.ElapsedMilliseconds} ms"
                   : $"ingress controller in {key} not answering on port 80 (see {_paths.LogDir}/{pod.Namespace}_{pod.Name}.log)");
        }
    }

    private void AcceptLoop(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = listener.Accept(); }
            catch (SocketException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private void Serve(Socket client)
    {
        using (client)
        using (var stream = new NetworkStream(client, ownsSocket: false))
        using (var reader = new StreamReader(stream, Encoding.UTF8))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" })
        {
            try
            {
                var line = reader.ReadLine();
                if (line is null) return;
                using var req = JsonDocument.Parse(line);
                var op = req.RootElement.GetProperty("op").GetString();
                switch (op)
                {
                    case "wait-ready": WaitReady(writer); break;
                    case "status": writer.WriteLine(Status()); break;
                    case "apply": Apply(writer); break;
                    case "shutdown": Shutdown(writer); break;
                    default: writer.WriteLine(LabProtocol.Error($"unknown op {op}")); break;
                }
            }
            catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or KeyNotFoundException)
            {
                try { writer.WriteLine(LabProtocol.Error(e.Message)); } catch (IOException) { }
            }
        }
    }

    private void WaitReady(StreamWriter w)
    {
        int sent = 0;
        while (true)
        {
            string[] pending;
            string phase;
            lock (_gate)
            {
                while (sent == _progress.Count && _phase == "building") Monitor.Wait(_gate, 1000);
                pending = _progress.Skip(sent).ToArray();
                phase = _phase;
            }
            foreach (var p in pending) w.WriteLine(LabProtocol.Progress(p));
            sent += pending.Length;
            if (phase == "ready") { w.WriteLine(Status()); return; }
            if (phase == "failed") { w.WriteLine(LabProtocol.Error(_failure ?? "build failed")); return; }
        }
    }

    private string Status() => LabProtocol.Message(w =>
    {
        lock (_gate)
        {
            w.WriteBoolean("ok", _phase != "failed");
            w.WriteString("phase", _phase);
            if (_failure is not null) w.WriteString("error", _failure);
        }
        w.WriteString("cluster", _state.Cluster);
        w.WriteString("backend", _state.Backend);
        w.WriteString("cni", _state.ReferenceCni ? "reference" : "podwire");
        w.WriteNumber("pid", Environment.ProcessId);
        w.WriteNumber("uptimeSeconds", Math.Round(_clock.Elapsed.TotalSeconds, 1));
        w.WriteNumber("nodes", _plan?.Nodes.Count ?? 0);
        w.WriteNumber("pods", _plan?.Pods.Count ?? 0);
        w.WriteNumber("processes", _podProcesses.Count);
        w.WriteNumber("memoryBytes", Process.GetCurrentProcess().WorkingSet64);
    });

    /// <summary>
    /// Re-derives from the manifests the CLI staged in manifests.new, removes pods that went away
    /// or changed address, adds new ones, and swaps the manifest folder: pods that did not change
    /// keep their namespace, sockets and connections.
    /// </summary>
    private void Apply(StreamWriter w)
    {
        lock (_gate)
            if (_phase != "ready") { w.WriteLine(LabProtocol.Error($"the lab is {_phase}, not ready")); return; }
        var staged = _paths.ManifestDir + ".new";
        var (cluster, problems) = LabCluster.Load(_state, staged);
        if (cluster is null) { w.WriteLine(LabProtocol.Error(string.Join("\n", problems.Select(p => p.ToString())))); return; }
        var next = LabPlan.Build(cluster, _plan!.Options, _backend!.MtuOverhead);
        if (!next.Nodes.Select(n => (n.Name, n.UnderlayIP, n.PodCidr)).SequenceEqual(_plan.Nodes.Select(n => (n.Name, n.UnderlayIP, n.PodCidr))))
        {
            w.WriteLine(LabProtocol.Error("the set of nodes changed; apply changes pods and objects only (run 'podwire down' and 'up' for new nodes)"));
            return;
        }
        var old = _plan.Pods.ToDictionary(p => p.Key, StringComparer.Ordinal);
        var neu = next.Pods.ToDictionary(p => p.Key, StringComparer.Ordinal);
        var removed = _plan.Pods.Where(p => !neu.TryGetValue(p.Key, out var n) || !SamePod(p, n)).ToList();
        var added = next.Pods.Where(p => !old.TryGetValue(p.Key, out var o) || !SamePod(o, p)).ToList();
        void Progress(string s) => w.WriteLine(LabProtocol.Progress(s));
        if (removed.Count > 0)
        {
            Progress($"removing {removed.Count} pods");
            StopWorkloads(removed);
            _builder!.RemovePods(_plan, removed);
        }
        if (added.Count > 0)
        {
            Progress($"adding {added.Count} pods");
            _builder!.AddPods(next, added);
            StartWorkloads(added);
        }
        if (Directory.Exists(_paths.ManifestDir)) Directory.Delete(_paths.ManifestDir, true);
        Directory.Move(staged, _paths.ManifestDir);
        _plan = next;
        _builder!.Reconcile(next);
        if (added.Count > 0) ApplyGsoSize();
        _cluster = cluster;
        LabCluster.WritePins(_state, cluster);
        SyncComponents();
        // Controllers started by this apply read the new state already; SIGHUP could reach them before their handler.
        foreach (var (key, pid) in _ingressControllers)
            if (!added.Any(a => a.Key == key)) _processes!.Reload(pid);
        Say($"applied: {added.Count} pods added, {removed.Count} removed");
        w.WriteLine(LabProtocol.Message(m =>
        {
            m.WriteBoolean("ok", true);
            m.WriteNumber("added", added.Count);
            m.WriteNumber("removed", removed.Count);
            m.WriteNumber("pods", next.Pods.Count);
        }));
    }

    private static bool SamePod(PodPlan a, PodPlan b) =>
        a.IP == b.IP && a.Node == b.Node && a.Pod.Ports.SequenceEqual(b.Pod.Ports) &&
        (a.Pod.Command ?? []).SequenceEqual(b.Pod.Command ?? []) && a.Pod.Hostname == b.Pod.Hostname && a.Pod.Subdomain == b.Pod.Subdomain;

    private void Shutdown(StreamWriter w)
    {
        w.WriteLine(LabProtocol.Progress("stopping workloads"));
        _processes?.StopAll();
        _probes?.Dispose();
        w.WriteLine(LabProtocol.Progress("removing namespaces and state"));
        int n = LabBuilder.Teardown(_runner, new LabNames(_state.Cluster), _paths);
        w.WriteLine(LabProtocol.Message(m => { m.WriteBoolean("ok", true); m.WriteNumber("namespaces", n); }));
        _stop.Cancel();
    }
}
