using System.Diagnostics;

namespace Podwire.Lab.PodNetwork;

/// <summary>How an agent is doing, as the daemon's status shows it.</summary>
public enum AgentHealth { Starting, Healthy, Failed, Stopped }

/// <summary>
/// A long-running part of a pod network on one node: a BGP speaker (Calico's BIRD), a gossip
/// router (Weave), an eBPF loader (Cilium). The daemon starts it when its node joins, checks it
/// every few seconds, restarts it when it fails, and stops it when the node leaves or the lab goes down.
/// </summary>
public interface IPodNetworkAgent
{
    /// <summary>Unique in the lab, such as "bird@node-1".</summary>
    string Name { get; }
    string Node { get; }
    void Start();
    AgentHealth Check();
    void Stop();
}

/// <summary>One agent's line in <c>status</c>.</summary>
public sealed record AgentStatus(string Name, string Node, AgentHealth Health, int Restarts, string? LastError);

/// <summary>
/// An agent that is a program run in the node's namespace, by PID through the lab's
/// <see cref="Processes.ProcessSupervisor"/>: healthy while the process runs and, when given,
/// while <paramref name="probe"/> says so.
/// </summary>
public sealed class ProcessAgent(string name, string node, string netns, string program, IReadOnlyList<string> args,
    AgentContext context, Func<bool>? probe = null) : IPodNetworkAgent
{
    private int? _pid;

    public string Name => name;
    public string Node => node;
    public int? Pid => _pid;

    public void Start() => _pid = context.Processes.Start(netns, program, args, "agent_" + name.Replace('@', '_'));

    public AgentHealth Check()
    {
        if (_pid is not int pid) return AgentHealth.Stopped;
        if (!context.Processes.IsRunning(pid)) return AgentHealth.Failed;
        return probe is null || probe() ? AgentHealth.Healthy : AgentHealth.Starting;
    }

    public void Stop()
    {
        if (_pid is int pid) context.Processes.Stop(pid);
        _pid = null;
    }
}

/// <summary>
/// Starts, checks, restarts and stops the pod network's agents. Restarts back off (1 s doubling
/// to 30 s, as kubelet's crash-loop back-off does, shortened for a lab) so a broken agent does
/// not spin. Thread-safe: the daemon checks from a timer while apply adds and removes nodes.
/// </summary>
public sealed class AgentSupervisor(TextWriter log, TimeSpan? firstBackoff = null) : IDisposable
{
    private sealed class Entry(IPodNetworkAgent agent)
    {
        public IPodNetworkAgent Agent { get; } = agent;
        public AgentHealth Health = AgentHealth.Starting;
        public int Restarts;
        public string? LastError;
        public TimeSpan Backoff;
        public readonly Stopwatch SinceFailure = new();
    }

    private readonly Dictionary<string, Entry> _agents = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public void Start(IEnumerable<IPodNetworkAgent> agents)
    {
        foreach (var a in agents)
        {
            var e = new Entry(a) { Backoff = firstBackoff ?? TimeSpan.FromSeconds(1) };
            lock (_gate) _agents[a.Name] = e;
            TryStart(e);
        }
    }

    /// <summary>Stops the agents of <paramref name="node"/> (it left the lab).</summary>
    public void StopNode(string node)
    {
        List<Entry> gone;
        lock (_gate)
        {
            gone = [.. _agents.Values.Where(e => e.Agent.Node == node)];
            foreach (var e in gone) _agents.Remove(e.Agent.Name);
        }
        foreach (var e in gone) SafeStop(e);
    }

    /// <summary>One round of health checks: failed agents whose back-off has passed are restarted.</summary>
    public void CheckAll()
    {
        Entry[] all;
        lock (_gate) all = [.. _agents.Values];
        foreach (var e in all)
        {
            AgentHealth h;
            try { h = e.Agent.Check(); }
            catch (Exception ex) { h = AgentHealth.Failed; e.LastError = ex.Message; }
            if (h != AgentHealth.Failed) { e.Health = h; continue; }
            if (e.Health != AgentHealth.Failed)
            {
                e.Health = AgentHealth.Failed;
                e.SinceFailure.Restart();
                log.WriteLine($"agent {e.Agent.Name} failed{(e.LastError is null ? "" : ": " + e.LastError)}; restarting in {e.Backoff.TotalSeconds:F0} s");
                continue;
            }
            if (e.SinceFailure.Elapsed < e.Backoff) continue;
            SafeStop(e);
            e.Restarts++;
            e.Backoff = e.Backoff * 2 > MaxBackoff ? MaxBackoff : e.Backoff * 2;
            log.WriteLine($"agent {e.Agent.Name}: restart {e.Restarts}");
            TryStart(e);
        }
    }

    public IReadOnlyList<AgentStatus> Status()
    {
        lock (_gate)
            return [.. _agents.Values.OrderBy(e => e.Agent.Name, StringComparer.Ordinal)
                .Select(e => new AgentStatus(e.Agent.Name, e.Agent.Node, e.Health, e.Restarts, e.LastError))];
    }

    private void TryStart(Entry e)
    {
        try
        {
            e.Agent.Start();
            e.Health = AgentHealth.Starting;
        }
        catch (Exception ex)
        {
            e.Health = AgentHealth.Failed;
            e.LastError = ex.Message;
            e.SinceFailure.Restart();
            log.WriteLine($"agent {e.Agent.Name} did not start: {ex.Message}");
        }
    }

    private void SafeStop(Entry e)
    {
        try { e.Agent.Stop(); }
        catch (Exception ex) { log.WriteLine($"agent {e.Agent.Name} did not stop cleanly: {ex.Message}"); }
    }

    public void Dispose()
    {
        Entry[] all;
        lock (_gate) { all = [.. _agents.Values]; _agents.Clear(); }
        foreach (var e in all) SafeStop(e);
    }
}
