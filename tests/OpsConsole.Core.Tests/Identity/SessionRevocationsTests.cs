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
        // One bus subscription per topic for the whole process, however many circuits registered.
        Assert.Equal(1, bus.Statistics.Topics[IdentityTopics.SessionsRevoked.Name].Subscribers);
    }

    [Fact]
    public async Task A_revoked_display_reaches_only_its_own_registrations()
    {
        var bus = new LiveEventBus();
        using var revocations = new SessionRevocations(bus);
        await revocations.StartAsync(CancellationToken.None);
        var lobby = Guid.NewGuid();
        var office = Guid.NewGuid();
        var lobbyCalls = 0;
        var officeCalls = 0;
        using var a = revocations.RegisterDisplay(lobby, () => Interlocked.Increment(ref lobbyCalls));
        using var b = revocations.RegisterDisplay(office, () => Interlocked.Increment(ref officeCalls));
        // A user whose id happens to spell the display's id must not be confused with it.
        using var c = revocations.Register(office.ToString("N"), () => Interlocked.Increment(ref officeCalls));

        bus.Publish(IdentityTopics.DisplayRevoked, new DisplayRevoked(lobby, "Lobby"));
        await TestWait.UntilAsync(() => Volatile.Read(ref lobbyCalls) == 1, "the lobby display's circuit is told");
        bus.Publish(IdentityTopics.DisplayRevoked, new DisplayRevoked(Guid.NewGuid(), "other"));
        await TestWait.UntilAsync(() => bus.Statistics.Topics[IdentityTopics.DisplayRevoked.Name].Delivered == 2, "the second event is handled");

        Assert.Equal(0, Volatile.Read(ref officeCalls));
        Assert.Equal(1, bus.Statistics.Topics[IdentityTopics.DisplayRevoked.Name].Subscribers);
    }

    [Fact]
    public async Task An_ended_session_reaches_only_that_sessions_registrations()
    {
        var bus = new LiveEventBus();
        using var revocations = new SessionRevocations(bus);
        await revocations.StartAsync(CancellationToken.None);
        var ended = Guid.NewGuid();
        var endedCalls = 0;
        var otherCalls = 0;
        using var a = revocations.RegisterSession(ended, () => Interlocked.Increment(ref endedCalls));
        using var b = revocations.RegisterSession(Guid.NewGuid(), () => Interlocked.Increment(ref otherCalls));
        using var c = revocations.Register("alice", () => Interlocked.Increment(ref otherCalls)); // the same user's other sessions stay

        bus.Publish(IdentityTopics.SessionEnded, new SessionEnded(ended, "alice", "test"));
        await TestWait.UntilAsync(() => Volatile.Read(ref endedCalls) == 1, "the ended session's circuit is told");
        bus.Publish(IdentityTopics.SessionEnded, new SessionEnded(Guid.NewGuid(), "bob", "test"));
        await TestWait.UntilAsync(() => bus.Statistics.Topics[IdentityTopics.SessionEnded.Name].Delivered == 2, "the second event is handled");

        Assert.Equal(0, Volatile.Read(ref otherCalls));
    }
}
