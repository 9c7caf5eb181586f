using System.Collections.Concurrent;
using System.Text.Json;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Tests.Live;

public sealed class LiveRemoteDeliveryTests
{
    private static readonly LiveTopic<Alert> Alerts = new("test.alerts", Distributed: true);

    public sealed record Alert(string Id, int Severity, DateTimeOffset RaisedAt);

    private static LiveEventEnvelope EnvelopeFrom(string origin, object payload, long sequence = 7) =>
        new(Alerts.Name, JsonSerializer.SerializeToElement(payload, new JsonSerializerOptions(JsonSerializerDefaults.Web)), DateTimeOffset.UnixEpoch, sequence, origin);

    [Fact]
    public async Task Envelope_from_another_instance_reaches_typed_subscriber_as_T()
    {
        var bus = new LiveEventBus(instanceId: "node-b");
        var got = new TaskCompletionSource<LiveEvent<Alert>>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = bus.Subscribe(Alerts, e => { got.TrySetResult(e); return Task.CompletedTask; });
        var alert = new Alert("a1", 3, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.True(bus.DeliverRemote(EnvelopeFrom("node-a", alert)));

        var e = await got.Task.WithTimeout();
        Assert.Equal(alert, e.Payload);
        Assert.Equal("node-a", e.OriginInstance);
        Assert.Equal(7, e.Sequence);
        Assert.Equal(1, bus.Statistics.RemoteReceived);
        Assert.Equal(0, bus.Statistics.Published); // remote events are not re-published (nor re-forwarded)
    }

    [Fact]
    public async Task Envelope_from_own_instance_is_ignored()
    {
        var bus = new LiveEventBus(instanceId: "node-b");
        var calls = 0;
        var sub = bus.Subscribe(Alerts, _ => { Interlocked.Increment(ref calls); return Task.CompletedTask; });

        Assert.False(bus.DeliverRemote(EnvelopeFrom("node-b", new Alert("x", 1, DateTimeOffset.UnixEpoch))));

        sub.Dispose();
        await ((LiveSubscription)sub).Completion.WithTimeout();
        Assert.Equal(0, calls);
        Assert.Equal(0, bus.Statistics.RemoteReceived);
    }

    [Fact]
    public async Task Wire_json_round_trip_from_bus_A_to_typed_and_raw_subscribers_on_bus_B()
    {
        var busA = new LiveEventBus(instanceId: "node-a");
        var busB = new LiveEventBus(instanceId: "node-b");
        using var bridgeA = new PostgresLiveEventBridge(busA, () => "Host=unused");
        var outboundA = busA.StartForwarding();

        var typed = new TaskCompletionSource<LiveEvent<Alert>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var raw = new TaskCompletionSource<LiveEventEnvelope>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subTyped = busB.Subscribe(Alerts, e => { typed.TrySetResult(e); return Task.CompletedTask; });
        using var subRaw = busB.SubscribeRaw(Alerts.Name, e => { raw.TrySetResult(e); return Task.CompletedTask; });

        var alert = new Alert("disk-full", 2, new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(1)));
        busA.Publish(Alerts, alert);
        Assert.True(outboundA.TryRead(out var item));
        Assert.True(bridgeA.TryPrepareNotify(item, out var json));
        Assert.Contains("\"originInstance\":\"node-a\"", json, StringComparison.Ordinal);

        Assert.False(busA.DeliverRemoteJson(json)); // echo of our own NOTIFY
        Assert.True(busB.DeliverRemoteJson(json));

        var e = await typed.Task.WithTimeout();
        Assert.Equal(alert, e.Payload);
        Assert.Equal("node-a", e.OriginInstance);
        var envelope = await raw.Task.WithTimeout();
        Assert.Equal("disk-full", envelope.Payload.GetProperty("id").GetString());
    }

    [Fact]
    public void Only_distributed_topics_are_queued_for_notify_and_only_while_forwarding()
    {
        var bus = new LiveEventBus();
        bus.Publish(Alerts, new Alert("before-bridge", 1, DateTimeOffset.UnixEpoch));
        var outbound = bus.StartForwarding();
        Assert.False(outbound.TryRead(out _));

        bus.Publish(new LiveTopic<int>("test.local-only"), 1);
        Assert.False(outbound.TryRead(out _));

        bus.Publish(Alerts, new Alert("after", 1, DateTimeOffset.UnixEpoch));
        Assert.True(outbound.TryRead(out var item));
        Assert.Equal(Alerts.Name, item.Topic);
    }

    [Fact]
    public void Oversize_notify_payload_is_not_sent_and_is_counted()
    {
        var bus = new LiveEventBus();
        using var bridge = new PostgresLiveEventBridge(bus, () => "Host=unused");
        var outbound = bus.StartForwarding();
        bus.Publish(Alerts, new Alert(new string('x', 8_000), 1, DateTimeOffset.UnixEpoch));
        Assert.True(outbound.TryRead(out var item));

        Assert.False(bridge.TryPrepareNotify(item, out _));
        Assert.Equal(1, bus.Statistics.NotifyOversize);
    }

    [Fact]
    public async Task Undeserializable_remote_payload_skips_typed_but_reaches_raw_subscribers()
    {
        var bus = new LiveEventBus(instanceId: "node-b");
        var typedCalls = 0;
        var typedSub = bus.Subscribe(Alerts, _ => { Interlocked.Increment(ref typedCalls); return Task.CompletedTask; });
        var raw = new ConcurrentQueue<LiveEventEnvelope>();
        using var rawSub = bus.SubscribeRaw(Alerts.Name, e => { raw.Enqueue(e); return Task.CompletedTask; });

        Assert.True(bus.DeliverRemote(EnvelopeFrom("node-a", new { id = 5, severity = "high" })));

        await TestWait.UntilAsync(() => raw.Count == 1, "raw subscriber got the envelope");
        typedSub.Dispose();
        await ((LiveSubscription)typedSub).Completion.WithTimeout();
        Assert.Equal(0, typedCalls);
    }

    [Fact]
    public void Malformed_notification_is_ignored()
    {
        var bus = new LiveEventBus();
        Assert.False(bus.DeliverRemoteJson("{not json"));
        Assert.False(bus.DeliverRemoteJson("null"));
    }
}
