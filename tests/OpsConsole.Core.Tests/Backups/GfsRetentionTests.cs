using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Backups;

namespace OpsConsole.Core.Tests.Backups;

/// <summary>Grandfather-father-son retention over backups written by a fake clock, as the scheduler would write them.</summary>
public sealed class GfsRetentionTests
{
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 3, 0, 0, TimeSpan.Zero));

    /// <summary>One backup a day at 03:00 for <paramref name="days"/> days, each verified unless listed.</summary>
    private List<RetentionCandidate> Daily(int days, params int[] unverifiedDays)
    {
        var backups = new List<RetentionCandidate>();
        for (var day = 0; day < days; day++)
        {
            backups.Add(new RetentionCandidate($"b{day:000}", _time.GetUtcNow(), !unverifiedDays.Contains(day)));
            _time.Advance(TimeSpan.FromDays(1));
        }

        return backups;
    }

    [Fact]
    public void A_year_of_daily_backups_keeps_the_last_the_dailies_weeklies_and_monthlies_and_expires_the_rest()
    {
        var backups = Daily(365); // 2026-01-01 … 2026-12-31

        var decision = GfsRetention.Select(backups, new RetentionPolicy(KeepLast: 3, Daily: 7, Weekly: 4, Monthly: 6), Utc);

        // Last 7 days (the last 3 among them), 4 ISO weeks' newest (this week's is the newest day, the others Sundays),
        // and the newest of each of the last 6 months, December's included (each month's last day).
        var kept = decision.Keep.Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["b211", "b242", "b272", "b303", "b333", "b346", "b353", "b358", "b359", "b360", "b361", "b362", "b363", "b364"],
            kept);
        Assert.Equal("last, daily, weekly, monthly, newest verified", decision.Keep["b364"]);
        Assert.Equal("weekly", decision.Keep["b353"]);
        Assert.Equal("daily, weekly", decision.Keep["b360"]); // Sunday 27 December
        Assert.Equal("monthly", decision.Keep["b211"]); // 31 July, the sixth month back
        Assert.Equal(365 - 14, decision.Expire.Count);
    }

    [Fact]
    public void Unverified_backups_never_stand_in_for_a_day_and_the_newest_verified_is_always_kept()
    {
        var backups = Daily(10, unverifiedDays: [7, 8, 9]); // the last three failed verification

        var decision = GfsRetention.Select(backups, new RetentionPolicy(KeepLast: 1, Daily: 2, Weekly: 0, Monthly: 0), Utc);

        Assert.Equal(["b005", "b006", "b009"], decision.Keep.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("last", decision.Keep["b009"]); // kept as the newest, not as a day
        Assert.Equal("daily, newest verified", decision.Keep["b006"]);
    }

    [Fact]
    public void Days_are_the_schedules_time_zone_days()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var evening = new RetentionCandidate("evening", new DateTimeOffset(2026, 3, 1, 22, 30, 0, TimeSpan.Zero), true); // 23:30 in Paris, 1 March
        var night = new RetentionCandidate("night", new DateTimeOffset(2026, 3, 1, 23, 30, 0, TimeSpan.Zero), true); // 00:30 in Paris, 2 March
        var morning = new RetentionCandidate("morning", new DateTimeOffset(2026, 3, 1, 6, 0, 0, TimeSpan.Zero), true);

        var inParis = GfsRetention.Select([evening, night, morning], new RetentionPolicy(0, 2, 0, 0), paris);
        var inUtc = GfsRetention.Select([evening, night, morning], new RetentionPolicy(0, 2, 0, 0), Utc);

        Assert.Equal(["evening", "night"], inParis.Keep.Keys.Order(StringComparer.Ordinal)); // two Paris days: 2 March, 1 March
        Assert.Equal(["night"], inUtc.Keep.Keys); // one UTC day, 1 March, whose newest is "night"
    }

    [Theory]
    [InlineData(0, 0, 0, 0, "it keeps nothing")]
    [InlineData(-1, 7, 0, 0, "every count must be 0 or more")]
    public void A_policy_that_would_delete_everything_is_refused(int last, int daily, int weekly, int monthly, string problem)
    {
        var policy = new RetentionPolicy(last, daily, weekly, monthly);

        Assert.Contains(problem, policy.Problem, StringComparison.Ordinal);
        var refused = Assert.Throws<ArgumentException>(() => GfsRetention.Select(Daily(3), policy, Utc));
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_to_keep_from_means_nothing_expires()
    {
        var decision = GfsRetention.Select([], RetentionPolicy.Default, Utc);

        Assert.Empty(decision.Keep);
        Assert.Empty(decision.Expire);
    }
}
