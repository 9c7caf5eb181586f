using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Live;
using OpsConsole.Web.Features.Wall;

namespace OpsConsole.Web.Tests.Features.Wall;

public sealed class WallBackupStripTests : BunitContext
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly LiveEventBus _bus = new();
    private readonly BackupAttention _attention;

    public WallBackupStripTests()
    {
        _attention = new BackupAttention(_bus);
        Services.AddSingleton(_attention);
    }

    [Fact]
    public void Without_a_managed_database_there_is_no_strip()
    {
        var cut = Render<WallBackupStrip>(p => p.Add(x => x.Now, Now));

        Assert.Empty(cut.FindAll("[data-testid=wall-backups]"));
    }

    [Fact]
    public void One_pill_per_database_with_its_age_and_the_colour_and_word_of_its_freshness()
    {
        _attention.Update(
        [
            new BackupFreshnessEntry("sampleshop", BackupFreshness.Fresh, Now - TimeSpan.FromHours(2.5), TimeSpan.FromHours(7), false, true),
            new BackupFreshnessEntry("billing", BackupFreshness.Ageing, Now - TimeSpan.FromHours(23), TimeSpan.FromHours(26), false, null),
            new BackupFreshnessEntry("orders", BackupFreshness.TooOld, Now - TimeSpan.FromDays(3), TimeSpan.FromHours(26), true, null),
            new BackupFreshnessEntry("audit", BackupFreshness.TooOld, null, TimeSpan.FromHours(26), false, null),
            new BackupFreshnessEntry("console", BackupFreshness.Fresh, Now - TimeSpan.FromMinutes(12), TimeSpan.FromHours(26), false, false),
        ], Now);

        var cut = Render<WallBackupStrip>(p => p.Add(x => x.Now, Now));

        var pills = cut.FindAll("[data-testid=wall-backup]");
        Assert.Equal(["sampleshop", "billing", "orders", "audit", "console"], pills.Select(p => p.GetAttribute("data-database")));
        Assert.Equal(["fresh", "ageing", "too-old", "too-old", "fresh"], pills.Select(p => p.GetAttribute("data-freshness")));
        Assert.Equal(["wall-backup-fresh", "wall-backup-ageing", "wall-backup-too-old", "wall-backup-too-old", "wall-backup-fresh"],
            pills.Select(p => p.ClassList.Single(c => c.StartsWith("wall-backup-", StringComparison.Ordinal))));
        Assert.Equal(["2 h", "23 h", "3 d", "no backup", "12 min"], pills.Select(p => p.QuerySelector("[data-testid=wall-backup-age]")!.TextContent));
        // Colour never alone: what is wrong is also said.
        Assert.Equal([null, "ageing", "too old · backup failed", null, "drill failed"], pills.Select(p => p.QuerySelector("[data-testid=wall-backup-note]")?.TextContent));
        Assert.Empty(cut.FindAll("[data-testid=wall-backup-more]"));
    }

    [Fact]
    public void Past_ten_databases_only_the_troubled_ones_have_a_pill_and_one_pill_counts_the_rest()
    {
        var entries = Enumerable.Range(1, 30)
            .Select(i => new BackupFreshnessEntry($"db{i:00}", i is 7 or 21 ? BackupFreshness.TooOld : BackupFreshness.Fresh, Now - TimeSpan.FromHours(1), TimeSpan.FromHours(26), i == 12, null))
            .ToList();
        _attention.Update(entries, Now);

        var cut = Render<WallBackupStrip>(p => p.Add(x => x.Now, Now));

        Assert.Equal(["db07", "db12", "db21"], cut.FindAll("[data-testid=wall-backup]").Select(p => p.GetAttribute("data-database")));
        Assert.Equal("27 more, all fresh", cut.Find("[data-testid=wall-backup-more]").TextContent.Trim());

        // More troubled databases than fit: the count says so in red, never "fresh".
        _attention.Update([.. entries.Select(e => e with { Freshness = BackupFreshness.Ageing })], Now);
        cut.WaitForAssertion(() => Assert.Equal("21 more, some not fresh", cut.Find("[data-testid=wall-backup-more]").TextContent.Trim()), Timeout);
        Assert.Contains("wall-backup-too-old", cut.Find("[data-testid=wall-backup-more]").ClassList);
        Assert.Equal(9, cut.FindAll("[data-testid=wall-backup]").Count);
    }

    [Fact]
    public async Task Follows_the_backup_metrics_live_and_unsubscribes_on_dispose()
    {
        var topic = "backups.attention.updated";
        _attention.Update([new BackupFreshnessEntry("shop", BackupFreshness.Fresh, Now - TimeSpan.FromHours(1), TimeSpan.FromHours(7), false, null)], Now);
        var cut = Render<WallBackupStrip>(p => p.Add(x => x.Now, Now));
        Assert.Equal("fresh", cut.Find("[data-testid=wall-backup]").GetAttribute("data-freshness"));
        Assert.Equal(1, _bus.Statistics.Topics[topic].Subscribers);

        _attention.Update([new BackupFreshnessEntry("shop", BackupFreshness.TooOld, Now - TimeSpan.FromHours(8), TimeSpan.FromHours(7), false, null)], Now);

        cut.WaitForAssertion(() => Assert.Equal("too-old", cut.Find("[data-testid=wall-backup]").GetAttribute("data-freshness")), Timeout);
        Assert.Equal("too old", cut.Find("[data-testid=wall-backup-note]").TextContent);

        await DisposeComponentsAsync();
        Assert.Equal(0, _bus.Statistics.Topics[topic].Subscribers);
    }
}
