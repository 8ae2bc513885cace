using System.Diagnostics;

namespace Podwire.Lab.Daemon;

public enum LabPhase { Building, Ready, Degraded, Failed, Stopping }

public static class LabPhaseWords
{
    public static string Word(this LabPhase p) => p switch
    {
        LabPhase.Building => "building",
        LabPhase.Ready => "ready",
        LabPhase.Degraded => "degraded",
        LabPhase.Failed => "failed",
        _ => "stopping",
    };
}

/// <summary>
/// The daemon's phase and progress log: what <c>status</c> shows, what <c>wait-ready</c> streams
/// to <c>up</c>, and what an apply streams to its caller while it runs.
/// </summary>
public sealed class DaemonPhase(TextWriter log, Stopwatch clock)
{
    private readonly List<string> _progress = [];
    private readonly object _gate = new(); // Monitor.Wait/PulseAll need an object lock
    private LabPhase _phase = LabPhase.Building;
    private string? _error;
    private Action<string>? _listener;

    public (LabPhase Phase, string? Error) Current
    {
        get { lock (_gate) return (_phase, _error); }
    }

    public void Say(string text)
    {
        var line = $"[{clock.Elapsed.TotalSeconds,5:F1}s] {text}";
        Action<string>? listener;
        lock (_gate)
        {
            _progress.Add(line);
            listener = _listener;
            Monitor.PulseAll(_gate);
        }
        listener?.Invoke(text);
        log.WriteLine(line);
        log.Flush();
    }

    public void Set(LabPhase phase)
    {
        lock (_gate)
        {
            _phase = phase;
            _error = null;
            Monitor.PulseAll(_gate);
        }
    }

    public void Fail(LabPhase phase, string error)
    {
        lock (_gate)
        {
            _phase = phase;
            _error = error;
            Monitor.PulseAll(_gate);
        }
        Say($"{phase.Word()}: {error}");
    }

    /// <summary>Streams what is said to <paramref name="listener"/> until disposed (one apply at a time has one).</summary>
    public IDisposable Report(Action<string> listener)
    {
        lock (_gate) _listener = listener;
        return new Unsubscribe(this);
    }

    private sealed class Unsubscribe(DaemonPhase owner) : IDisposable
    {
        public void Dispose() { lock (owner._gate) owner._listener = null; }
    }

    /// <summary>Calls <paramref name="onLine"/> for every progress line from the first, until the phase leaves Building; returns the phase then.</summary>
    public (LabPhase Phase, string? Error) FollowBuild(Action<string> onLine)
    {
        int sent = 0;
        while (true)
        {
            string[] pending;
            LabPhase phase;
            string? error;
            lock (_gate)
            {
                while (sent == _progress.Count && _phase == LabPhase.Building) Monitor.Wait(_gate, 1000);
                pending = [.. _progress.Skip(sent)];
                phase = _phase;
                error = _error;
            }
            foreach (var p in pending) onLine(p);
            sent += pending.Length;
            if (phase != LabPhase.Building && sent == _progress.Count) return (phase, error);
        }
    }
}
