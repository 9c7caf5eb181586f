using OpsConsole.Core.Attention;
using OpsConsole.Core.Keys;

namespace OpsConsole.Core.Tests.Keys;

public sealed class KeyWatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly KeyRing Ring = new("sessions", SigningAlgorithm.ES256, 2048, TimeSpan.FromDays(30), TimeSpan.FromDays(1),
        TimeSpan.FromDays(2), TimeSpan.FromDays(1), TimeSpan.FromDays(3), RequireApproval: false);

    private static IReadOnlyList<AttentionItem> At(DateTimeOffset now, IReadOnlyList<KeyVersion> versions, params KeyConsumerUsage[] consumers) =>
        KeyWatch.ItemsOf(Ring, KeyTimeline.Snapshot(Ring, versions, now), consumers);

    [Fact]
    public void A_fresh_ring_needs_nobody()
    {
        Assert.Empty(At(T0.AddDays(1), [new KeyVersion("k1", T0, T0, T0)]));
    }

    [Fact]
    public void Near_the_end_of_its_period_without_a_successor_the_signing_key_is_worth_knowing_about_and_an_hour_past_due_it_is_overdue()
    {
        KeyVersion[] versions = [new KeyVersion("k1", T0, T0, T0)];

        var near = Assert.Single(At(T0.AddDays(28), versions));
        Assert.Equal((AttentionLevel.Info, "keys-expiring:sessions"), (near.Level, near.Key));
        Assert.Contains("ends 2026-12-31", near.Title, StringComparison.Ordinal);

        // Due at 29 days (period minus lead); overdue an hour later.
        Assert.Equal(AttentionLevel.Info, Assert.Single(At(T0.AddDays(29).AddMinutes(59), versions)).Level);
        var overdue = Assert.Single(At(T0.AddDays(29).AddHours(1), versions));
        Assert.Equal((AttentionLevel.Warning, "keys-overdue:sessions"), (overdue.Level, overdue.Key));
    }

    [Fact]
    public void A_published_successor_settles_it_and_a_ring_with_every_key_revoked_is_critical()
    {
        var rotated = KeyTimeline.Rotate(Ring, [new KeyVersion("k1", T0, T0, T0)], "k2", T0.AddDays(29)).Versions;
        Assert.Empty(At(T0.AddDays(29).AddHours(2), rotated));

        KeyVersion[] revoked = [new KeyVersion("k1", T0, T0, T0, RevokedAt: T0.AddDays(1))];
        var item = Assert.Single(At(T0.AddDays(2), revoked));
        Assert.Equal((AttentionLevel.Critical, "sessions: no signing key"), (item.Level, item.Title));
    }

    [Fact]
    public void A_consumer_failing_on_a_revoked_key_is_named_and_one_failing_on_a_published_key_is_left_to_the_alert()
    {
        KeyVersion[] versions = [new KeyVersion("k1", T0, T0, T0, RevokedAt: T0.AddDays(1)), new KeyVersion("k2", T0.AddDays(1), T0.AddDays(1), T0.AddDays(1))];
        var failures = new Dictionary<string, double> { ["unknown_kid"] = 12 };

        var item = Assert.Single(At(T0.AddDays(2), versions,
            new KeyConsumerUsage("sampleshop", "k1", 0, failures),
            new KeyConsumerUsage("sampleshop", "k2", 40, new Dictionary<string, double> { ["expired"] = 3 })));
        Assert.Equal((AttentionLevel.Warning, "keys-consumer-gone:sessions:sampleshop"), (item.Level, item.Key));
        Assert.Contains("k1", item.Title, StringComparison.Ordinal);
        Assert.Contains("12 rejected", item.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ring_page_is_told_when_a_consumer_appears_or_its_whole_counts_move_but_not_for_extrapolated_fractions()
    {
        var failures = new Dictionary<string, double>();
        KeyConsumerUsage[] seen = [new("sampleshop", "k1", 40.2, failures)];

        Assert.False(KeyWatch.SameUsage([], seen));
        Assert.True(KeyWatch.SameUsage(seen, [new("sampleshop", "k1", 40.4, failures)]));
        Assert.False(KeyWatch.SameUsage(seen, [new("sampleshop", "k1", 41, failures)]));
        Assert.False(KeyWatch.SameUsage(seen, [new("sampleshop", "k1", 40.2, new Dictionary<string, double> { ["unknown_kid"] = 2 })]));
        Assert.False(KeyWatch.SameUsage(seen, [new("sampleshop", "k2", 40.2, failures)]));
    }
}
