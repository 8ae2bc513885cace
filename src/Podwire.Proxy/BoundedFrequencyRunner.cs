namespace Podwire.Proxy;

/// <summary>Time as the runner sees it; the lab uses <see cref="SystemClock"/>, tests a fake.</summary>
public interface IClock
{
    TimeSpan Now { get; }

    /// <summary>Calls <paramref name="callback"/> once, <paramref name="delay"/> from now (on any thread).</summary>
    void After(TimeSpan delay, Action callback);
}

public sealed class SystemClock : IClock
{
    public static readonly SystemClock Instance = new();
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();

    public TimeSpan Now => _watch.Elapsed;

    public void After(TimeSpan delay, Action callback)
    {
        if (delay <= TimeSpan.Zero) { ThreadPool.QueueUserWorkItem(_ => callback()); return; }
        Task.Delay(delay).ContinueWith(_ => callback(), TaskScheduler.Default);
    }
}

/// <summary>
/// Runs a sync function no more often than once per <c>minInterval</c>, coalescing every request
/// made meanwhile into the next run (kube-proxy's BoundedFrequencyRunner, without its periodic
/// maximum). A request during a run schedules exactly one more run. A run that reports failure is
/// retried after <c>retryInterval</c>. <see cref="Request"/> returns a task that completes when a
/// run that started after the request has finished, so a caller may wait for its change to be in.
/// </summary>
public sealed class BoundedFrequencyRunner(Func<bool> run, TimeSpan minInterval, IClock clock, TimeSpan? retryInterval = null)
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _retry = retryInterval ?? minInterval;
    private TimeSpan? _lastStart;
    private bool _scheduled;
    private bool _running;
    private bool _pendingDuringRun;
    private TaskCompletionSource _next = NewTcs();
    private TaskCompletionSource? _current;

    public int Runs { get; private set; }

    private static TaskCompletionSource NewTcs() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Request()
    {
        lock (_gate)
        {
            var waiter = _next.Task;
            if (_running) { _pendingDuringRun = true; return waiter; }
            if (!_scheduled) Schedule(DelayFor(minInterval));
            return waiter;
        }
    }

    private TimeSpan DelayFor(TimeSpan interval)
    {
        if (_lastStart is not TimeSpan last) return TimeSpan.Zero;
        var due = last + interval - clock.Now;
        return due > TimeSpan.Zero ? due : TimeSpan.Zero;
    }

    // Caller holds _gate.
    private void Schedule(TimeSpan delay)
    {
        _scheduled = true;
        clock.After(delay, Fire);
    }

    private void Fire()
    {
        lock (_gate)
        {
            _scheduled = false;
            _running = true;
            _lastStart = clock.Now;
            _current = _next;
            _next = NewTcs();
            Runs++;
        }
        bool ok;
        try { ok = run(); }
        catch (Exception) { ok = false; }
        TaskCompletionSource done;
        lock (_gate)
        {
            _running = false;
            done = _current!;
            _current = null;
            if (!ok) { _pendingDuringRun = false; Schedule(DelayFor(_retry)); }
            else if (_pendingDuringRun) { _pendingDuringRun = false; Schedule(DelayFor(minInterval)); }
        }
        // Waiters of a failed run stay attached to the retry, which is the next run.
        if (ok) done.SetResult();
        else lock (_gate) _next = Merge(done, _next);
    }

    private static TaskCompletionSource Merge(TaskCompletionSource failed, TaskCompletionSource next)
    {
        next.Task.ContinueWith(_ => failed.TrySetResult(), TaskScheduler.Default);
        return next;
    }
}
