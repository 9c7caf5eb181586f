using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Tests.Live;

public sealed class LiveThrottleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class Recorder(FakeTimeProvider time)
    {
        public ConcurrentQueue<DateTimeOffset> Runs { get; } = new();

        public Task Callback()
        {
            Runs.Enqueue(time.GetUtcNow());
            return Task.CompletedTask;
        }
    }

    private static async Task Idle(LiveThrottle throttle) => await TestWait.UntilAsync(() => !throttle.IsBusy, "throttle is idle");

    [Fact]
    public async Task Burst_within_interval_gives_one_leading_and_one_trailing_run()
    {
        var time = new FakeTimeProvider(Start);
        var rec = new Recorder(time);
        using var throttle = new LiveThrottle(Interval, rec.Callback, time);

        throttle.Signal();
        await TestWait.UntilAsync(() => rec.Runs.Count == 1, "leading run happened");
        for (var i = 0; i < 99; i++)
        {
            throttle.Signal();
        }

        // The trailing run is armed on the (fake) timer once the leading run has finished.
        await TestWait.UntilAsync(() => !throttle.IsRunning, "leading run finished");
        time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Single(rec.Runs);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await TestWait.UntilAsync(() => rec.Runs.Count == 2, "trailing run happened");
        await Idle(throttle);
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal([Start, Start + Interval], rec.Runs);
    }

    [Fact]
    public async Task Signals_spaced_beyond_the_interval_each_run_promptly()
    {
        var time = new FakeTimeProvider(Start);
        var rec = new Recorder(time);
        using var throttle = new LiveThrottle(Interval, rec.Callback, time);

        for (var i = 1; i <= 3; i++)
        {
            throttle.Signal();
            await TestWait.UntilAsync(() => rec.Runs.Count == i, $"run {i}");
            await Idle(throttle);
            time.Advance(TimeSpan.FromSeconds(1.5));
        }

        Assert.Equal([Start, Start.AddSeconds(1.5), Start.AddSeconds(3)], rec.Runs);
    }

    [Fact]
    public async Task Callback_never_runs_concurrently_and_overdue_trailing_run_follows_immediately()
    {
        var time = new FakeTimeProvider(Start);
        var active = 0;
        var maxActive = 0;
        var runs = 0;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var throttle = new LiveThrottle(Interval, async () =>
        {
            var now = Interlocked.Increment(ref active);
            InterlockedMax(ref maxActive, now);
            Interlocked.Increment(ref runs);
            entered.TrySetResult();
            await release.Task;
            Interlocked.Decrement(ref active);
        }, time);

        throttle.Signal();
        await entered.Task.WithTimeout();
        for (var i = 0; i < 10; i++)
        {
            throttle.Signal();
        }

        time.Advance(TimeSpan.FromSeconds(5)); // the trailing run is owed but must wait for the running one
        Assert.Equal(1, Volatile.Read(ref runs));

        release.SetResult();
        await TestWait.UntilAsync(() => Volatile.Read(ref runs) == 2, "trailing run after the long run");
        await Idle(throttle);
        Assert.Equal(1, maxActive);
    }

    [Fact]
    public async Task Nothing_runs_after_dispose()
    {
        var time = new FakeTimeProvider(Start);
        var rec = new Recorder(time);
        var throttle = new LiveThrottle(Interval, rec.Callback, time);

        throttle.Signal();
        await TestWait.UntilAsync(() => rec.Runs.Count == 1, "leading run");
        await Idle(throttle);
        throttle.Signal(); // arms a trailing run at Start + Interval
        Assert.True(throttle.IsBusy);

        throttle.Dispose();
        Assert.False(throttle.IsBusy);
        time.Advance(TimeSpan.FromSeconds(10));
        throttle.Signal();
        Assert.False(throttle.IsBusy);
        Assert.Single(rec.Runs);
    }

    [Fact]
    public async Task Callback_exception_is_reported_and_later_signals_still_run()
    {
        var time = new FakeTimeProvider(Start);
        var errors = new ConcurrentQueue<Exception>();
        var runs = 0;
        using var throttle = new LiveThrottle(
            Interval,
            () => Interlocked.Increment(ref runs) == 1 ? throw new InvalidOperationException("first fails") : Task.CompletedTask,
            time,
            errors.Enqueue);

        throttle.Signal();
        await TestWait.UntilAsync(() => errors.Count == 1, "error reported");
        await Idle(throttle);
        time.Advance(Interval);
        throttle.Signal();
        await TestWait.UntilAsync(() => Volatile.Read(ref runs) == 2, "second run");
    }

    [Fact]
    public async Task SubscribeThrottled_coalesces_bus_events_applies_filter_and_unsubscribes_on_dispose()
    {
        var time = new FakeTimeProvider(Start);
        var bus = new LiveEventBus(timeProvider: time);
        var topic = new LiveTopic<int>("test.throttled");
        var runs = 0;
        var handle = bus.SubscribeThrottled(topic, Interval, () => { Interlocked.Increment(ref runs); return Task.CompletedTask; }, n => n > 0);
        Assert.Equal(1, bus.Statistics.Subscribers);

        bus.Publish(topic, -1); // filtered out
        bus.Publish(topic, 1);
        await TestWait.UntilAsync(() => bus.Statistics.Delivered == 2, "both events handled");
        await TestWait.UntilAsync(() => Volatile.Read(ref runs) == 1, "leading refresh");

        handle.Dispose();
        Assert.Equal(0, bus.Statistics.Subscribers);
        bus.Publish(topic, 2);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task SubscribeThrottled_runs_once_without_an_event_when_the_state_moved_before_the_subscription()
    {
        // A page reads the state, then subscribes: a change published in between reaches no subscriber, so only the
        // caller's check can catch it up.
        var bus = new LiveEventBus();
        var topic = new LiveTopic<int>("test.gap");
        var runs = 0;
        var checks = 0;
        using var handle = bus.SubscribeThrottled(topic, Interval, () => { Interlocked.Increment(ref runs); return Task.CompletedTask; }, filter: null,
            () => Interlocked.Increment(ref checks) > 0);

        await TestWait.UntilAsync(() => Volatile.Read(ref runs) == 1, "the catch-up run");
        Assert.Equal(1, checks);
        Assert.Equal(0, bus.Statistics.Delivered);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
