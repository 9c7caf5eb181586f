using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Tests.Live;

public sealed class LiveEventBusTests
{
    private static readonly LiveTopic<int> Numbers = new("test.numbers");

    public sealed record Sample(string Name, int Count);

    [Fact]
    public async Task Single_subscriber_receives_10000_events_in_order()
    {
        var bus = new LiveEventBus();
        const int total = 10_000;
        var received = new List<int>(total);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = bus.Subscribe(Numbers, e =>
        {
            received.Add(e.Payload);
            if (received.Count == total)
            {
                done.SetResult();
            }

            return Task.CompletedTask;
        }, new LiveSubscriptionOptions { Capacity = total });

        for (var i = 0; i < total; i++)
        {
            bus.Publish(Numbers, i);
        }

        await done.Task.WithTimeout();
        Assert.Equal(Enumerable.Range(0, total), received);
        Assert.Equal(0, bus.Statistics.Dropped);
        Assert.Equal(total, bus.Statistics.Published);
    }

    [Fact]
    public async Task Two_subscribers_each_receive_all_events_in_order()
    {
        var bus = new LiveEventBus();
        const int total = 5_000;
        var options = new LiveSubscriptionOptions { Capacity = total };
        var a = new ConcurrentQueue<int>();
        var b = new ConcurrentQueue<int>();
        using var subA = bus.Subscribe(Numbers, e => { a.Enqueue(e.Payload); return Task.CompletedTask; }, options);

        // Second subscriber yields on every event so the two loops really interleave.
        using var subB = bus.Subscribe(Numbers, async e => { await Task.Yield(); b.Enqueue(e.Payload); }, options);

        for (var i = 0; i < total; i++)
        {
            bus.Publish(Numbers, i);
        }

        await TestWait.UntilAsync(() => a.Count == total && b.Count == total, "both subscribers got everything");
        Assert.Equal(Enumerable.Range(0, total), a);
        Assert.Equal(Enumerable.Range(0, total), b);
        await TestWait.UntilAsync(() => bus.Statistics.Delivered == 2 * total, "delivered counter caught up");
    }

    [Fact]
    public async Task Full_queue_of_blocked_subscriber_drops_oldest_and_counts_while_others_get_everything()
    {
        var bus = new LiveEventBus();
        const int capacity = 8;
        const int extra = 5;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new ConcurrentQueue<int>();
        var fast = new ConcurrentQueue<int>();
        using var slowSub = bus.Subscribe(Numbers, async e =>
        {
            slow.Enqueue(e.Payload);
            entered.TrySetResult();
            await release.Task;
        }, new LiveSubscriptionOptions { Capacity = capacity });
        using var fastSub = bus.Subscribe(Numbers, e => { fast.Enqueue(e.Payload); return Task.CompletedTask; }, new LiveSubscriptionOptions { Capacity = 1_000 });

        bus.Publish(Numbers, 0);
        await entered.Task.WithTimeout(); // event 0 is now in the handler, not in the queue

        // The slow handler is blocked on a TCS only this test completes, so returning here proves Publish never waits on it.
        for (var i = 1; i <= capacity + extra; i++)
        {
            bus.Publish(Numbers, i);
        }

        Assert.Equal(extra, bus.Statistics.Dropped);
        Assert.Equal(extra, bus.Statistics.Topics[Numbers.Name].Dropped);

        await TestWait.UntilAsync(() => fast.Count == capacity + extra + 1, "fast subscriber got everything");
        Assert.Equal(Enumerable.Range(0, capacity + extra + 1), fast);

        release.SetResult();
        await TestWait.UntilAsync(() => slow.Count == capacity + 1, "slow subscriber drained its queue");

        // Drop-oldest: the slow subscriber keeps the newest `capacity` events.
        Assert.Equal([0, .. Enumerable.Range(extra + 1, capacity)], slow);
        Assert.Equal(extra, bus.Statistics.Dropped);
    }

    [Fact]
    public async Task Throwing_handler_does_not_stop_later_deliveries_or_other_subscribers()
    {
        var bus = new LiveEventBus();
        var good = new ConcurrentQueue<int>();
        var flaky = new ConcurrentQueue<int>();
        using var flakySub = bus.Subscribe(Numbers, e =>
        {
            if (e.Payload % 2 == 1)
            {
                throw new InvalidOperationException("boom");
            }

            flaky.Enqueue(e.Payload);
            return Task.CompletedTask;
        });
        using var asyncThrower = bus.Subscribe(Numbers, async e =>
        {
            await Task.Yield();
            throw new InvalidOperationException("async boom");
        });
        using var goodSub = bus.Subscribe(Numbers, e => { good.Enqueue(e.Payload); return Task.CompletedTask; });

        for (var i = 0; i < 6; i++)
        {
            bus.Publish(Numbers, i);
        }

        await TestWait.UntilAsync(() => flaky.Count == 3 && good.Count == 6, "deliveries continued");
        await TestWait.UntilAsync(() => bus.Statistics.HandlerErrors == 3 + 6, "errors counted");
        Assert.Equal([0, 2, 4], flaky);
        Assert.Equal(Enumerable.Range(0, 6), good);
        Assert.Equal(9, bus.Statistics.Topics[Numbers.Name].HandlerErrors);
    }

    [Fact]
    public async Task After_dispose_no_more_handler_calls_and_subscriber_count_decrements()
    {
        var bus = new LiveEventBus();
        var calls = 0;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var other = bus.Subscribe(Numbers, _ => Task.CompletedTask);
        var sub = bus.Subscribe(Numbers, async _ =>
        {
            Interlocked.Increment(ref calls);
            entered.TrySetResult();
            await release.Task;
        });
        Assert.Equal(2, bus.Statistics.Subscribers);
        Assert.Equal(2, bus.Statistics.Topics[Numbers.Name].Subscribers);

        bus.Publish(Numbers, 1);
        await entered.Task.WithTimeout();
        bus.Publish(Numbers, 2); // queued behind the blocked handler
        bus.Publish(Numbers, 3);

        sub.Dispose();
        sub.Dispose(); // idempotent
        Assert.Equal(1, bus.Statistics.Subscribers);
        Assert.Equal(1, bus.Statistics.Topics[Numbers.Name].Subscribers);

        release.SetResult();
        await ((LiveSubscription)sub).Completion.WithTimeout(); // the loop has exited: no further calls are possible
        bus.Publish(Numbers, 4);

        Assert.Equal(1, Volatile.Read(ref calls)); // queued events 2 and 3 were not handled after Dispose
    }

    [Fact]
    public async Task SubscribeRaw_receives_camelCase_json_envelopes_for_typed_publishes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var bus = new LiveEventBus(timeProvider: time, instanceId: "node-a");
        var topic = new LiveTopic<Sample>("test.sample");
        var got = new TaskCompletionSource<LiveEventEnvelope>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var raw = bus.SubscribeRaw(topic.Name, e => { got.TrySetResult(e); return Task.CompletedTask; });

        bus.Publish(topic, new Sample("disk", 3));

        var envelope = await got.Task.WithTimeout();
        Assert.Equal("test.sample", envelope.Topic);
        Assert.Equal("node-a", envelope.OriginInstance);
        Assert.Equal(time.GetUtcNow(), envelope.PublishedAt);
        Assert.Equal(1, envelope.Sequence);
        Assert.Equal("disk", envelope.Payload.GetProperty("name").GetString());
        Assert.Equal(3, envelope.Payload.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Typed_events_carry_publish_time_sequence_and_instance()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        var bus = new LiveEventBus(timeProvider: time, instanceId: "node-a");
        var events = new ConcurrentQueue<LiveEvent<int>>();
        using var sub = bus.Subscribe(Numbers, e => { events.Enqueue(e); return Task.CompletedTask; });

        bus.Publish(Numbers, 10);
        time.Advance(TimeSpan.FromSeconds(1));
        bus.Publish(Numbers, 20);

        await TestWait.UntilAsync(() => events.Count == 2, "both events arrived");
        var list = events.ToArray();
        Assert.Equal([1L, 2L], list.Select(e => e.Sequence));
        Assert.Equal(time.GetUtcNow() - TimeSpan.FromSeconds(1), list[0].PublishedAt);
        Assert.Equal(time.GetUtcNow(), list[1].PublishedAt);
        Assert.All(list, e => Assert.Equal("node-a", e.OriginInstance));
    }

    [Fact]
    public async Task Sequence_is_per_topic()
    {
        var bus = new LiveEventBus();
        var other = new LiveTopic<int>("test.other");
        var seqs = new ConcurrentQueue<long>();
        using var sub = bus.Subscribe(other, e => { seqs.Enqueue(e.Sequence); return Task.CompletedTask; });

        bus.Publish(Numbers, 1);
        bus.Publish(other, 1);
        bus.Publish(Numbers, 2);
        bus.Publish(other, 2);

        await TestWait.UntilAsync(() => seqs.Count == 2, "other topic events arrived");
        Assert.Equal([1L, 2L], seqs);
    }

    [Fact]
    public void Publish_without_subscribers_is_counted_and_does_not_throw()
    {
        var bus = new LiveEventBus();
        bus.Publish(Numbers, 1);
        bus.Publish(new LiveTopic<int>("test.distributed", Distributed: true), 2);
        Assert.Equal(2, bus.Statistics.Published);
        Assert.Equal(0, bus.Statistics.Subscribers);
    }

    [Fact]
    public void Same_topic_name_with_different_payload_type_is_rejected()
    {
        var bus = new LiveEventBus();
        using var sub = bus.Subscribe(Numbers, _ => Task.CompletedTask);
        Assert.Throws<InvalidOperationException>(() => bus.Subscribe(new LiveTopic<string>(Numbers.Name), _ => Task.CompletedTask));
        Assert.Throws<InvalidOperationException>(() => bus.Publish(new LiveTopic<string>(Numbers.Name), "x"));
    }

    [Fact]
    public void Capacity_below_one_is_rejected()
    {
        var bus = new LiveEventBus();
        Assert.Throws<ArgumentOutOfRangeException>(() => bus.Subscribe(Numbers, _ => Task.CompletedTask, new LiveSubscriptionOptions { Capacity = 0 }));
        Assert.Equal(0, bus.Statistics.Subscribers);
    }

    [Fact]
    public void Default_instance_id_is_unique_per_bus()
    {
        Assert.NotEqual(new LiveEventBus().InstanceId, new LiveEventBus().InstanceId);
    }
}
