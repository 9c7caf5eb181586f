using AngleSharp.Dom;
using MudBlazor;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Backups;

namespace OpsConsole.Web.Tests.Features.Backups;

public sealed class DatabasesPageTests(BackupsHost host) : BackupsComponentTest(host)
{
    [Fact]
    public async Task A_backup_within_80_percent_of_the_rpo_is_fresh_in_green_with_its_age_and_the_rpo()
    {
        await Host.AddAsync(BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(3) + TimeSpan.FromMinutes(12)));
        var cut = RenderPage(Sre);

        cut.WaitForAssertion(() => Assert.Equal("fresh", Row(cut, BackupsHost.Shop).GetAttribute("data-freshness")), Timeout);
        var row = Row(cut, BackupsHost.Shop);
        Assert.Equal("fresh", Chip(row).TextContent.Trim());
        Assert.Contains("tile-healthy", Chip(row).ClassList);
        Assert.Equal("RPO 10h", row.QuerySelector("[data-testid=db-rpo]")!.TextContent);
        Assert.StartsWith("3 h 12 min ago", row.QuerySelector("[data-testid=db-newest-age]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("2 databases · 1 fresh · 1 too old · 1 unreachable", cut.Find("[data-testid=db-summary]").TextContent);
    }

    [Fact]
    public async Task Past_80_percent_of_the_rpo_is_ageing_in_amber_and_past_the_rpo_or_without_backup_too_old_in_red()
    {
        await Host.AddAsync(BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(9)));
        var cut = RenderPage(Sre);

        cut.WaitForAssertion(() => Assert.Equal("ageing", Chip(Row(cut, BackupsHost.Shop)).TextContent.Trim()), Timeout);
        Assert.Contains("tile-warning", Chip(Row(cut, BackupsHost.Shop)).ClassList);
        // The unreachable database has no backup at all: too old, said in words.
        Assert.Equal("too old", Chip(Row(cut, BackupsHost.Lost)).TextContent.Trim());
        Assert.Contains("tile-critical", Chip(Row(cut, BackupsHost.Lost)).ClassList);
        Assert.Equal("no backup yet", Row(cut, BackupsHost.Lost).QuerySelector("[data-testid=db-newest-at]")!.TextContent.Trim());
        Assert.Equal("2 databases · 1 ageing · 1 too old · 1 unreachable", cut.Find("[data-testid=db-summary]").TextContent);

        // Live: once the newest backup is older than the RPO, the row turns red without a reload.
        await Host.ResetAsync();
        await Host.AddAsync(BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(11)));
        cut.WaitForAssertion(() => Assert.Equal("too old", Chip(Row(cut, BackupsHost.Shop)).TextContent.Trim()), Timeout);
        Assert.Contains("tile-critical", Chip(Row(cut, BackupsHost.Shop)).ClassList);
    }

    [Fact]
    public async Task A_failed_last_backup_a_failed_drill_and_an_unreachable_server_are_said_in_red_words()
    {
        var failed = BackupsHost.Operation(BackupsHost.Shop, OperationState.Failed, TimeSpan.FromMinutes(20),
            "pg_dump exited with code 1: permission denied for table orders");
        await Host.AddAsync(
            BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(2)),
            BackupsHost.Drill(BackupsHost.Shop, TimeSpan.FromHours(1), passed: false, error: "public.orders: 1200 rows expected, 1100 restored"),
            failed);
        var cut = RenderPage(Sre);

        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-last-failure]")), Timeout);
        var row = Row(cut, BackupsHost.Shop);
        var failure = row.QuerySelector("[data-testid=db-last-failure]")!;
        Assert.Contains("db-error", failure.ClassList);
        Assert.Contains("permission denied for table orders", failure.TextContent, StringComparison.Ordinal);
        Assert.Equal($"/operations/{failed.Id}", failure.QuerySelector("a")!.GetAttribute("href"));

        var drill = row.QuerySelector("[data-testid=db-drill-result]")!;
        Assert.Equal("failed", drill.TextContent.Trim());
        Assert.Contains("tile-critical", drill.ClassList);
        Assert.Equal("RTO 2.3 s", row.QuerySelector("[data-testid=db-drill-rto]")!.TextContent);
        Assert.Contains("1100 restored", row.QuerySelector("[data-testid=db-drill-error]")!.TextContent, StringComparison.Ordinal);

        var probe = Row(cut, BackupsHost.Lost).QuerySelector("[data-testid=db-probe-error]")!;
        Assert.Contains("db-error", probe.ClassList);
        Assert.StartsWith("Cannot reach the database:", probe.TextContent, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1", probe.TextContent, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL 15", Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-server]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_passed_drill_shows_its_restore_time_and_the_next_run_its_cron_in_a_tooltip()
    {
        await Host.AddAsync(BackupsHost.Drill(BackupsHost.Shop, TimeSpan.FromHours(5), passed: true, seconds: 125.2));
        var cut = RenderPage(Sre);

        cut.WaitForAssertion(() => Assert.Equal("passed", Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-drill-result]")!.TextContent.Trim()), Timeout);
        var row = Row(cut, BackupsHost.Shop);
        Assert.Equal("RTO 2 min 05 s", row.QuerySelector("[data-testid=db-drill-rto]")!.TextContent);
        Assert.Equal("no drills scheduled", Row(cut, BackupsHost.Lost).QuerySelector("[data-testid=db-drill-result]")!.TextContent.Trim());
        // Yearly at midnight in Paris: the next 1 January, in the viewer's zone (UTC here).
        var next = row.QuerySelector("[data-testid=db-next-at]")!.TextContent;
        Assert.Matches(@"^\d{4}-12-31 23:00:00$", next);
    }

    [Fact]
    public async Task Back_up_now_on_a_busy_database_shows_the_refusal_naming_the_running_operation()
    {
        var waiting = BackupsHost.Operation(BackupsHost.Shop, OperationState.AwaitingApproval, TimeSpan.FromMinutes(3));
        await Host.AddAsync(waiting);
        var snackbars = Render<MudSnackbarProvider>();
        var cut = RenderPage(Sre);
        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-active]")), Timeout);
        Assert.Equal($"/operations/{waiting.Id}", Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-active-link]")!.GetAttribute("href"));

        await cut.InvokeAsync(() => Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-backup-now]")!.Click());

        snackbars.WaitForAssertion(() => Assert.Contains("database:shop is busy", snackbars.Markup, StringComparison.Ordinal), Timeout);
        Assert.Contains(waiting.Id.ToString(), snackbars.Markup, StringComparison.Ordinal);
        Assert.Contains("Back up shop (scheduled)", snackbars.Markup, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=db-table]")); // the page is still there
    }

    [Fact]
    public async Task Back_up_now_runs_a_real_backup_whose_progress_and_result_arrive_live()
    {
        var snackbars = Render<MudSnackbarProvider>();
        var cut = RenderPage(Sre);
        cut.WaitForAssertion(() => Assert.Equal("too old", Chip(Row(cut, BackupsHost.Shop)).TextContent.Trim()), Timeout);

        await cut.InvokeAsync(() => Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-backup-now]")!.Click());

        snackbars.WaitForAssertion(() => Assert.Contains("Backup of shop requested.", snackbars.Markup, StringComparison.Ordinal), Timeout);
        // pg_dump of the console's own database, verified, listed: the row turns fresh without a reload.
        cut.WaitForAssertion(() => Assert.Equal("fresh", Chip(Row(cut, BackupsHost.Shop)).TextContent.Trim()), Timeout);
        cut.WaitForAssertion(() => Assert.Null(Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-active]")), Timeout);
        Assert.Null(Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-last-failure]"));
        Assert.Matches(@"^\d+ s ago$", Row(cut, BackupsHost.Shop).QuerySelector("[data-testid=db-newest-age]")!.TextContent);
    }

    [Fact]
    public async Task A_viewer_sees_every_fact_but_no_back_up_now_button()
    {
        await Host.AddAsync(BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(1)));
        var cut = RenderPage(Viewer);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=db-row]").Count), Timeout);
        Assert.Equal("fresh", Chip(Row(cut, BackupsHost.Shop)).TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=db-backup-now]"));

        var sre = RenderPage(Sre);
        sre.WaitForAssertion(() => Assert.Equal(2, sre.FindAll("[data-testid=db-backup-now]").Count), Timeout);
    }

    [Fact]
    public async Task The_page_follows_the_feed_while_shown_and_lets_go_of_it_when_disposed()
    {
        var before = Host.FeedSubscribers;
        var cut = RenderPage(Sre);
        cut.WaitForAssertion(() => Assert.Equal(before + 3, Host.FeedSubscribers), Timeout);

        await Host.AddAsync(BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromMinutes(5)));
        cut.WaitForAssertion(() => Assert.Equal("fresh", Chip(Row(cut, BackupsHost.Shop)).TextContent.Trim()), Timeout);

        await DisposeComponentsAsync();
        Assert.Equal(before, Host.FeedSubscribers);
    }

    private IRenderedComponent<DatabasesPage> RenderPage(System.Security.Claims.ClaimsPrincipal user) => Render<DatabasesPage>(p => As(p, user));

    private static IElement Row(IRenderedComponent<DatabasesPage> cut, string database) => cut.Find($"[data-testid=db-row][data-database={database}]");

    private static IElement Chip(IElement row) => row.QuerySelector("[data-testid=db-freshness] .state-chip")!;
}
