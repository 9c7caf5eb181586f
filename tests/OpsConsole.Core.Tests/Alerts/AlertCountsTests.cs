using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Tests.Alerts;

public sealed class AlertCountsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    [Fact]
    public void Firing_counts_what_notifies_and_muted_firing_alerts_are_counted_beside_it()
    {
        var counts = AlertCounts.Of(
        [
            Alert(AlertState.Firing),
            Alert(AlertState.Firing) with { Ack = new AlertAck("alice", Now, null) },
            Alert(AlertState.Firing) with { SilencedBy = [Guid.NewGuid()] },
            Alert(AlertState.Firing) with { SilencedBy = [Guid.NewGuid()], InhibitedBy = 1 }, // silenced first, counted once
            Alert(AlertState.Firing) with { InhibitedBy = 1 },
            Alert(AlertState.Pending),
            Alert(AlertState.Pending) with { SilencedBy = [Guid.NewGuid()] },
            Alert(AlertState.Resolved) with { Ack = new AlertAck("bob", Now, null) }, // resolved: owned by nobody any more
        ]);

        Assert.Equal(new AlertCounts(Firing: 2, Silenced: 2, Inhibited: 1, Pending: 2, Acknowledged: 1), counts);
        Assert.Equal(3, counts.Muted);
        Assert.Equal("2 firing, 2 silenced, 1 inhibited", counts.FiringText);
        Assert.Equal("2 firing, 2 silenced, 1 inhibited · 2 pending · 1 acknowledged", counts.Summary);
    }

    [Fact]
    public void Where_every_firing_alert_notifies_the_words_say_only_how_many_fire()
    {
        Assert.Equal("0 firing", AlertCounts.Of([]).FiringText);
        Assert.Equal("1 firing", AlertCounts.Of([Alert(AlertState.Firing)]).FiringText);
        Assert.Equal("", AlertCounts.Of([Alert(AlertState.Firing)]).MutedText);
        Assert.Equal("0 firing, 1 silenced", AlertCounts.Of([Alert(AlertState.Firing) with { SilencedBy = [Guid.NewGuid()] }]).FiringText);
    }

    [Fact]
    public void The_notifying_count_is_the_one_the_store_and_the_wall_use() =>
        Assert.Equal(
            new AlertSnapshot(1, Now, [Alert(AlertState.Firing), Alert(AlertState.Firing) with { InhibitedBy = 3 }], []).NotifyingCount,
            AlertCounts.Of([Alert(AlertState.Firing), Alert(AlertState.Firing) with { InhibitedBy = 3 }]).Firing);

    private static AlertView Alert(AlertState state) => TestAlerts.View("A", "warning", state, Now);
}
