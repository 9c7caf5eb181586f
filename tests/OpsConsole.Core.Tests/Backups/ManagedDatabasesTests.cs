using OpsConsole.Core.Backups;

namespace OpsConsole.Core.Tests.Backups;

public sealed class ManagedDatabasesTests
{
    private static ManagedDatabaseOptions Good() => new() { ConnectionString = "Host=db;Database=shop", Schedule = "30 2 * * *", TimeZone = "Europe/Paris", Rpo = "26h" };

    [Fact]
    public void A_good_entry_parses_and_its_next_run_is_in_its_time_zone_across_a_clock_change()
    {
        var (databases, errors) = ManagedDatabases.Parse(new Dictionary<string, ManagedDatabaseOptions> { ["shop"] = Good() });

        Assert.Empty(errors);
        var shop = Assert.Single(databases);
        Assert.Equal(TimeSpan.FromHours(26), shop.Rpo);
        // 02:30 Paris on 28 March is 01:30 UTC (CET); on 30 March, after the switch to CEST, it is 00:30 UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 1, 30, 0, TimeSpan.Zero), shop.NextBackup(new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 0, 30, 0, TimeSpan.Zero), shop.NextBackup(new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.Zero)));
        Assert.Null(shop.NextDrill(DateTimeOffset.UnixEpoch)); // no drill schedule: never
    }

    [Fact]
    public void Every_bad_entry_is_named_by_its_key_and_is_not_used()
    {
        var (databases, errors) = ManagedDatabases.Parse(new Dictionary<string, ManagedDatabaseOptions>
        {
            ["shop"] = Good(),
            ["ledger"] = new() { Schedule = "every night", TimeZone = "Mars/Olympus", Rpo = "a day", KeepLast = 0, KeepDaily = 0, KeepWeekly = 0, KeepMonthly = 0 },
            ["drills"] = Good().With(o => o.DrillSchedule = "0 4 * *"),
        });

        Assert.Equal(["shop"], databases.Select(d => d.Name));
        Assert.Collection(errors,
            e => Assert.StartsWith("ManagedDatabases:drills:DrillSchedule \"0 4 * *\" is not a cron expression", e, StringComparison.Ordinal),
            e => Assert.Equal("ManagedDatabases:ledger: set exactly one of ConnectionString and ConnectionStringName.", e),
            e => Assert.StartsWith("ManagedDatabases:ledger:Schedule \"every night\" is not a cron expression", e, StringComparison.Ordinal),
            e => Assert.Equal("ManagedDatabases:ledger:TimeZone \"Mars/Olympus\" is not a known time zone (use an IANA name such as Europe/Paris).", e),
            e => Assert.StartsWith("ManagedDatabases:ledger:Rpo \"a day\" is not a positive duration such as 26h", e, StringComparison.Ordinal),
            e => Assert.Equal("ManagedDatabases:ledger:KeepLast/KeepDaily/KeepWeekly/KeepMonthly: it keeps nothing, so it would delete every backup (set KeepLast to 1 or more).", e));
    }

    [Theory]
    [InlineData(0, BackupFreshness.Fresh)]
    [InlineData(20, BackupFreshness.Fresh)]
    [InlineData(21, BackupFreshness.Ageing)] // past 80 % of 26 h (20.8 h)
    [InlineData(26, BackupFreshness.Ageing)] // exactly at the RPO is still within it
    public void Freshness_is_measured_against_the_rpo(int hoursOld, BackupFreshness expected)
    {
        var shop = Assert.Single(ManagedDatabases.Parse(new Dictionary<string, ManagedDatabaseOptions> { ["shop"] = Good() }).Databases);
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

        var freshness = shop.FreshnessAt(now.AddHours(-hoursOld), now);

        Assert.Equal(expected, freshness);
    }

    [Fact]
    public void Past_the_rpo_or_with_no_backup_at_all_it_is_too_old()
    {
        var shop = Assert.Single(ManagedDatabases.Parse(new Dictionary<string, ManagedDatabaseOptions> { ["shop"] = Good() }).Databases);
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(BackupFreshness.TooOld, shop.FreshnessAt(now.AddHours(-26).AddSeconds(-1), now));
        Assert.Equal(BackupFreshness.TooOld, shop.FreshnessAt(null, now));
    }
}

internal static class OptionsExtensions
{
    public static ManagedDatabaseOptions With(this ManagedDatabaseOptions options, Action<ManagedDatabaseOptions> change)
    {
        change(options);
        return options;
    }
}
