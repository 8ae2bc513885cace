namespace Podwire.Proxy.Tests;

/// <summary>A clock that moves only when told to; callbacks run on <see cref="Advance"/>.</summary>
internal sealed class FakeClock : IClock
{
    private readonly List<(TimeSpan Due, Action Callback)> _pending = [];
    public TimeSpan Now { get; private set; }

    public void After(TimeSpan delay, Action callback)
    {
        lock (_pending) _pending.Add((Now + delay, callback));
    }

    public int Pending { get { lock (_pending) return _pending.Count; } }

    public void Advance(TimeSpan by)
    {
        var until = Now + by;
        while (true)
        {
            (TimeSpan Due, Action Callback) next;
            lock (_pending)
            {
                var due = _pending.Where(p => p.Due <= until).OrderBy(p => p.Due).ToList();
                if (due.Count == 0) break;
                next = due[0];
                _pending.Remove(next);
            }
            if (next.Due > Now) Now = next.Due;
            next.Callback();
        }
        Now = until;
    }
}

public sealed class RunnerTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void FirstRequestRunsAtOnceAndABurstCoalescesIntoOneRunAfterTheInterval()
    {
        var clock = new FakeClock();
        var times = new List<TimeSpan>();
        var runner = new BoundedFrequencyRunner(() => { times.Add(clock.Now); return true; }, Second, clock);

        var first = runner.Request();
        clock.Advance(TimeSpan.Zero);
        Assert.True(first.IsCompleted);
        Assert.Equal([TimeSpan.Zero], times);

        clock.Advance(TimeSpan.FromMilliseconds(100));
        var burst = Enumerable.Range(0, 10).Select(_ => runner.Request()).ToList();
        clock.Advance(TimeSpan.FromMilliseconds(800));
        Assert.Single(times); // not before the interval
        Assert.All(burst, t => Assert.False(t.IsCompleted));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal([TimeSpan.Zero, Second], times); // exactly one run for ten requests, at t = 1 s
        Assert.All(burst, t => Assert.True(t.IsCompleted));
        Assert.Equal(0, clock.Pending);
    }

    [Fact]
    public void ARequestLongAfterTheLastRunIsNotDelayed()
    {
        var clock = new FakeClock();
        var times = new List<TimeSpan>();
        var runner = new BoundedFrequencyRunner(() => { times.Add(clock.Now); return true; }, Second, clock);
        runner.Request();
        clock.Advance(TimeSpan.FromSeconds(5));
        runner.Request();
        clock.Advance(TimeSpan.Zero);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(5)], times);
    }

    [Fact]
    public void ARequestDuringARunSchedulesExactlyOneMore()
    {
        var clock = new FakeClock();
        var times = new List<TimeSpan>();
        BoundedFrequencyRunner? runner = null;
        runner = new BoundedFrequencyRunner(() =>
        {
            times.Add(clock.Now);
            if (times.Count == 1) { runner!.Request(); runner.Request(); }
            return true;
        }, Second, clock);
        runner.Request();
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([TimeSpan.Zero, Second], times);
    }

    [Fact]
    public async Task AFailedRunIsRetriedAfterTheRetryInterval()
    {
        var clock = new FakeClock();
        var times = new List<TimeSpan>();
        var runner = new BoundedFrequencyRunner(() => { times.Add(clock.Now); return times.Count > 1; }, Second, clock, TimeSpan.FromSeconds(3));
        var t = runner.Request();
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(t.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(3)], times);
        await t.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
