using System.Diagnostics;
using Podwire.Controllers;
using Podwire.Datapath;
using Podwire.Datapath.Kernel;
using Podwire.Lab.Cni;
using Podwire.Lab.Dataplane;
using Podwire.Lab.PodNetwork;
using Podwire.Lab.Topology;

namespace Podwire.Lab.Daemon;

/// <summary>How a daemon reaches the outside world: chosen by whoever starts it (the CLI: the real kernel; tests: fakes).</summary>
/// <param name="KernelSockets">Netlink and in-process nft for the service proxy (false with fakes).</param>
public sealed record DaemonConfig(ICommandRunner Runner, INodeKernel Kernel, IPodAttacher? Attacher = null, bool KernelSockets = true)
{
    public static DaemonConfig Real(LabState state, LabPaths paths)
    {
        var kernel = new LinuxKernel(ProcessRunner.Instance);
        return new DaemonConfig(ProcessRunner.Instance, kernel, new CniAttacher(ProcessRunner.Instance, paths, state.CniPath));
    }
}

/// <summary>
/// The composition root behind a lab: it builds the pod network (<see cref="IPodNetwork"/>), the
/// dataplane components, the workloads and the agents, and serves the CLI (<see cref="DaemonServer"/>).
/// One build or apply runs at a time. A failed apply is rolled back to the previous plan; if
/// that fails too the lab is "degraded" and <c>status</c> says exactly what is half-done.
/// </summary>
public sealed class LabDaemon : IDisposable
{
    private readonly LabPaths _paths;
    private LabState _state;
    private readonly DaemonConfig _config;
    private readonly TextWriter _log;
    private readonly IPodNetwork _network;
    private readonly LabBuilder _builder;
    private readonly Workloads _workloads;
    private readonly AgentSupervisor _agents;
    private readonly Convergence _convergence;
    private readonly List<IDataplaneComponent> _components = [];
    private readonly SemaphoreSlim _work = new(1, 1);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DaemonServer _server;
    private Timer? _agentChecks;
    private LabPlan? _plan;
    private DerivedCluster? _cluster;

    public DaemonPhase Phase { get; }

    public LabDaemon(LabPaths paths, LabState state, DaemonConfig config, TextWriter log)
    {
        _paths = paths;
        _state = state;
        _config = config;
        _log = log;
        Phase = new DaemonPhase(log, _clock);
        _network = PodNetworks.Get(state.Backend);
        _workloads = new Workloads(paths, state.Cluster, log, Phase.Say);
        _agents = new AgentSupervisor(log);
        var attacher = config.Attacher ?? new CniAttacher(config.Runner, paths, state.CniPath);
        _builder = new LabBuilder(config.Kernel, paths, attacher, _network, Phase.Say);
        _convergence = new Convergence(_builder, _network, _workloads, _agents, new AgentContext(_workloads.Processes, paths, log), Phase.Say);
        if (!_network.Capabilities.ReplacesServiceProxy) _components.Add(new ServiceProxy(config.Runner, log, kernelSockets: config.KernelSockets));
        _components.Add(new DnsDataplane(log, config.Kernel.EtcNetnsRoot));
        if (!_network.Capabilities.ReplacesNetworkPolicy) _components.Add(new PolicyDataplane(config.Kernel, log));
        _components.AddRange(_network.Components(new DataplaneContext(config.Runner, log, paths)));
        _server = new DaemonServer(paths, this, log);
    }

    /// <summary>Components synced after the pod network is built and after every apply.</summary>
    public IReadOnlyList<IDataplaneComponent> Components => _components;

    /// <param name="resume">Take over a lab whose daemon died: its namespaces, tables and pod programs are adopted, not rebuilt.</param>
    public int Run(bool resume = false)
    {
        File.WriteAllText(_paths.PidFile, Environment.ProcessId.ToString());
        _server.Listen();
        _ = Task.Run(() => Build(resume));
        _server.Serve();
        Dispose();
        return 0;
    }

    private void Build(bool resume)
    {
        _work.Wait();
        try
        {
            Phase.Say("loading manifests");
            var (cluster, problems) = LabCluster.Load(_state, _paths.ManifestDir, _paths);
            if (cluster is null) throw new ConvergenceException(string.Join("; ", problems.Select(p => p.ToString())));
            var plan = LabPlan.Build(cluster, Options(), _network);
            if (resume)
            {
                // The kernel kept forwarding while no daemon ran: adopt what is there, then re-sync.
                var (nodes, pods) = _convergence.Adopt(plan, _config.Kernel);
                Phase.Say($"resuming: {nodes} of {plan.Nodes.Count} nodes and {pods} of {plan.Pods.Count} pods still in the kernel");
            }
            else
                Phase.Say($"building {plan.Nodes.Count} nodes and {plan.Pods.Count} pods ({_network.Name}, {(_state.ReferenceCni ? "reference bridge + host-local" : "podwire-cni")})");
            _convergence.Converge(plan);
            ApplyGsoSize();
            _plan = plan;
            _cluster = cluster;
            LabCluster.WritePins(_state, cluster, _paths);
            SyncComponents();
            if (resume)
            {
                var (adopted, started) = _workloads.Adopt(plan.Pods);
                Phase.Say($"pod programs: {adopted} adopted by PID, {started} pods' workloads started again");
            }
            else _workloads.Start(plan.Pods);
            _workloads.WaitForIngress(plan, TimeSpan.FromSeconds(30));
            _agentChecks = new Timer(_ => _agents.CheckAll(), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
            Phase.Set(LabPhase.Ready);
            Phase.Say($"ready: {plan.Nodes.Count} nodes, {plan.Pods.Count} pods ({_network.Name})");
        }
        catch (Exception e)
        {
            Phase.Fail(LabPhase.Failed, ConvergenceException.Describe(e));
        }
        finally { _work.Release(); }
    }

    private LabOptions Options() => new(_state.Cluster, _state.Backend, _state.ReferenceCni);

    // The backend's GSO/GRO size (BIG TCP) on every link of every lab namespace, new pods' included.
    private void ApplyGsoSize()
    {
        if (_network.GsoMaxSize is not uint size) return;
        var sw = Stopwatch.StartNew();
        var failures = new List<string>();
        foreach (var ns in _config.Kernel.ListNamespaces(new LabNames(_state.Cluster).Prefix))
            foreach (var f in _config.Kernel.SetGsoMaxSize(ns, size)) failures.Add($"{ns} {f}");
        Phase.Say(failures.Count == 0 ? $"GSO/GRO size {size} (BIG TCP) on every link in {sw.ElapsedMilliseconds} ms"
            : $"GSO/GRO size {size} not taken by {failures.Count} link(s) (kernel < 6.3?), e.g. {failures[0]}");
    }

    private void SyncComponents()
    {
        foreach (var c in _components)
        {
            var sw = Stopwatch.StartNew();
            c.Sync(_cluster!, _plan!);
            Phase.Say($"{c.Name} synced in {sw.ElapsedMilliseconds} ms");
        }
    }

    public StatusReply Status()
    {
        var (phase, error) = Phase.Current;
        return new StatusReply(phase != LabPhase.Failed, phase.Word(), error, _state.Cluster, _state.Backend,
            _state.ReferenceCni ? "reference" : "podwire", Environment.ProcessId, Math.Round(_clock.Elapsed.TotalSeconds, 1),
            _plan?.Nodes.Count ?? 0, _plan?.Pods.Count ?? 0, _workloads.ProcessCount, Process.GetCurrentProcess().WorkingSet64,
            [.. _agents.Status().Select(a => new AgentReply(a.Name, a.Node, a.Health.ToString().ToLowerInvariant(), a.Restarts, a.LastError))]);
    }

    /// <summary>
    /// Re-derives from the staged manifests and converges the kernel to them: pods and nodes
    /// added, changed and removed; what did not change keeps its namespace, sockets and
    /// connections. Returns the reply, or throws <see cref="ConvergenceException"/> with a
    /// message for the CLI (the lab rolled back, or what is half-done).
    /// </summary>
    public ApplyReply Apply(string staged, int? nodes, Action<string> progress)
    {
        if (!_work.Wait(0))
        {
            progress("waiting for another apply to finish");
            _work.Wait();
        }
        try
        {
            var (phase, _) = Phase.Current;
            if (phase is not (LabPhase.Ready or LabPhase.Degraded)) throw new ConvergenceException($"the lab is {phase.Word()}, not ready");
            var state = nodes is int n ? _state with { Nodes = n } : _state;
            var (cluster, problems) = LabCluster.Load(state, staged, _paths);
            // The only validation of an apply: the CLI does not parse the manifests a second time.
            if (cluster is null) throw new InvalidManifestsException([.. problems.Select(p => p.ToString().Replace(staged + "/", ""))]);
            var next = LabPlan.Build(cluster, _plan!.Options, _network);
            var preview = _convergence.Plan(next);
            if ((preview.NodesJoined.Count > 0 || preview.NodesLeft.Count > 0) && !_network.Capabilities.NodeChanges)
                throw new ConvergenceException($"backend {_network.Name} cannot add or remove nodes of a running lab ('podwire down' and 'up' instead)");
            using var _ = Phase.Report(progress);
            LabDelta delta;
            try
            {
                delta = _convergence.Converge(next, preview);
            }
            catch (ConvergenceException e)
            {
                throw new ConvergenceException(Rollback(e.Message));
            }
            if (delta.PodsAdded.Count > 0 || delta.NodesJoined.Count > 0) ApplyGsoSize();
            if (Directory.Exists(_paths.ManifestDir)) Directory.Delete(_paths.ManifestDir, true);
            Directory.Move(staged, _paths.ManifestDir);
            _plan = next;
            _cluster = cluster;
            if (state != _state) { state.Save(_paths.StateFile); _state = state; }
            LabCluster.WritePins(_state, cluster, _paths);
            SyncComponents();
            _workloads.Start(delta.PodsAdded);
            _workloads.ReloadIngress(delta.PodsAdded.Select(p => p.Key).ToHashSet(StringComparer.Ordinal));
            Phase.Set(LabPhase.Ready);
            Phase.Say($"applied: {delta.PodsAdded.Count} pods added, {delta.PodsRemoved.Count} removed" +
                (delta.NodesJoined.Count + delta.NodesLeft.Count > 0 ? $", {delta.NodesJoined.Count} nodes added, {delta.NodesLeft.Count} removed" : ""));
            return new ApplyReply(delta.PodsAdded.Count, delta.PodsRemoved.Count, next.Pods.Count, delta.NodesJoined.Count, delta.NodesLeft.Count);
        }
        finally
        {
            if (Directory.Exists(staged)) Directory.Delete(staged, true);
            _work.Release();
        }
    }

    // Back to the plan that ran before the apply: the manifests, pins and components never moved.
    private string Rollback(string failure)
    {
        Phase.Say($"apply failed ({failure}); rolling back");
        try
        {
            var back = _convergence.Converge(_plan!);
            SyncComponents();
            _workloads.Start(back.PodsAdded);
            Phase.Set(LabPhase.Ready);
            return $"apply failed: {failure}; the lab was rolled back and runs as before";
        }
        catch (Exception e)
        {
            var half = $"apply failed: {failure}; rolling back failed too: {ConvergenceException.Describe(e)}; {_convergence.Describe(_plan!)} to restore the previous manifests";
            Phase.Fail(LabPhase.Degraded, half);
            return half;
        }
    }

    /// <summary>Stops everything and removes what the lab created; the server stops after answering.</summary>
    public int Shutdown(Action<string> progress)
    {
        // A running build or apply finishes first (bounded: a stuck one must not keep the lab up).
        bool owned = _work.Wait(TimeSpan.FromSeconds(60));
        try
        {
            Phase.Set(LabPhase.Stopping);
            progress("stopping workloads and agents");
            _agentChecks?.Dispose();
            _agents.Dispose();
            _workloads.Dispose();
            DisposeComponents();
            progress("removing namespaces and state");
            return LabBuilder.Teardown(_config.Kernel, new LabNames(_state.Cluster), _paths, _network);
        }
        finally
        {
            if (owned) _work.Release();
            _server.Stop();
        }
    }

    private void DisposeComponents()
    {
        foreach (var c in _components)
            if (c is IDisposable d)
            {
                try { d.Dispose(); }
                catch (Exception e) { _log.WriteLine($"{c.Name}: dispose failed: {e.Message}"); }
            }
        _components.Clear();
    }

    public void Dispose()
    {
        _agentChecks?.Dispose();
        _agents.Dispose();
        _workloads.Dispose();
        DisposeComponents();
        if (_config.Kernel is IDisposable k) k.Dispose();
    }
}
