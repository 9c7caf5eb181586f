using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Live;
using OpsConsole.Core.SystemStatus;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Live;

public sealed record PingMessage(string Text, int Number);

[Collection(PostgresCollection.Name)]
public sealed class CrossInstanceLiveEventsTests(PostgresFixture postgres)
{
    private static readonly LiveTopic<PingMessage> Ping = new("tests.ping", Distributed: true);

    [Fact]
    public async Task Listen_notify_carries_an_event_from_host_a_to_a_subscriber_on_host_b()
    {
        var (hostA, hostB) = await StartListeningPairAsync();
        await using var disposeA = hostA;
        await using var disposeB = hostB;

        var busA = hostA.Services.GetRequiredService<ILiveEvents>();
        var busB = hostB.Services.GetRequiredService<ILiveEvents>();
        Assert.NotEqual(busA.InstanceId, busB.InstanceId);

        var received = new TaskCompletionSource<LiveEvent<PingMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = busB.Subscribe(Ping, e =>
        {
            received.TrySetResult(e);
            return Task.CompletedTask;
        });

        busA.Publish(Ping, new PingMessage("from A", 42));

        var delivered = await received.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(new PingMessage("from A", 42), delivered.Payload);
        Assert.Equal(busA.InstanceId, delivered.OriginInstance);
    }

    [Fact]
    public async Task Per_instance_topics_are_not_forwarded_to_other_instances()
    {
        var local = new LiveTopic<PingMessage>("tests.local-only");
        var (hostA, hostB) = await StartListeningPairAsync();
        await using var disposeA = hostA;
        await using var disposeB = hostB;
        var busA = hostA.Services.GetRequiredService<ILiveEvents>();
        var busB = hostB.Services.GetRequiredService<ILiveEvents>();

        var localOnB = 0;
        var distributedOnB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var localSubscription = busB.Subscribe(local, _ =>
        {
            Interlocked.Increment(ref localOnB);
            return Task.CompletedTask;
        });
        using var distributedSubscription = busB.Subscribe(Ping, _ =>
        {
            distributedOnB.TrySetResult();
            return Task.CompletedTask;
        });

        // The distributed event is sent after the local one; once it has arrived, a forwarded local event would have too.
        busA.Publish(local, new PingMessage("stays on A", 1));
        busA.Publish(Ping, new PingMessage("crosses", 2));
        await distributedOnB.Task.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(0, Volatile.Read(ref localOnB));
        Assert.False(SystemTopics.Stats.Distributed); // each console reports its own process on the System page
    }

    /// <summary>Two consoles on one database, both bridges listening (so no NOTIFY is sent before anyone hears it).</summary>
    private async Task<(TestConsole A, TestConsole B)> StartListeningPairAsync()
    {
        var a = await TestConsole.StartAsync(postgres.SharedConnectionString);
        var b = await TestConsole.StartAsync(postgres.SharedConnectionString);
        await Task.WhenAll(a.WaitForReadinessAsync(), b.WaitForReadinessAsync());
        await Task.WhenAll(Bridge(a).Listening, Bridge(b).Listening).WaitAsync(TimeSpan.FromSeconds(30));
        return (a, b);
    }

    private static PostgresLiveEventBridge Bridge(TestConsole console) =>
        console.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<PostgresLiveEventBridge>().Single();
}
