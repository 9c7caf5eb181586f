using OpsConsole.Core.Identity;
using OpsConsole.Core.Live;
using OpsConsole.Core.Tests.Live;

namespace OpsConsole.Core.Tests.Identity;

public sealed class SessionRevocationsTests
{
    [Fact]
    public async Task Only_the_revoked_users_registrations_are_called_and_disposed_ones_never()
    {
        var bus = new LiveEventBus();
        using var revocations = new SessionRevocations(bus);
        await revocations.StartAsync(CancellationToken.None);
        var alice = 0;
        var bob = 0;
        var gone = 0;
        using var a = revocations.Register("alice", () => Interlocked.Increment(ref alice));
        using var b = revocations.Register("bob", () => Interlocked.Increment(ref bob));
        revocations.Register("alice", () => Interlocked.Increment(ref gone)).Dispose();

        bus.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked("alice", "test"));
        await TestWait.UntilAsync(() => Volatile.Read(ref alice) == 1, "alice's circuit is told");

        // Events are delivered in order: once a later one for bob arrives, any stray call for alice's would have too.
        bus.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked("bob", "test"));
        await TestWait.UntilAsync(() => Volatile.Read(ref bob) == 1, "bob's circuit is told");
        Assert.Equal(1, Volatile.Read(ref alice));
        Assert.Equal(0, Volatile.Read(ref gone));
        Assert.Equal(1, bus.Statistics.Subscribers); // one bus subscription for the whole process
    }
}
