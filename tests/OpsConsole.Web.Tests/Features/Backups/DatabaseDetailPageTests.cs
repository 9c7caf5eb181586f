using AngleSharp.Dom;
using MudBlazor;
using OpsConsole.Core.Backups;
using OpsConsole.Web.Features.Backups;

namespace OpsConsole.Web.Tests.Features.Backups;

public sealed class DatabaseDetailPageTests(BackupsHost host) : BackupsComponentTest(host)
{
    [Fact]
    public void An_unknown_name_says_it_is_not_a_managed_database()
    {
        var cut = RenderPage("nope", Sre);

        cut.WaitForAssertion(() => Assert.Contains("\"nope\" is not a managed database", cut.Find("[data-testid=db-unknown]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=db-backup-now]"));
    }

    [Fact]
    public async Task The_header_shows_the_settings_and_links_to_the_operations_on_the_database()
    {
        await Host.AddAsync(BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(9)));
        var cut = RenderPage(BackupsHost.Shop, Sre);

        cut.WaitForAssertion(() => Assert.Equal("ageing", cut.Find("[data-testid=db-freshness]").GetAttribute("data-freshness")), Timeout);
        Assert.Equal("0 0 1 1 *", cut.Find("[data-testid=db-schedule] code").TextContent);
        Assert.Equal("30 4 * * 0", cut.Find("[data-testid=db-drill-schedule] code").TextContent);
        Assert.StartsWith("Europe/Paris", cut.Find("[data-testid=db-zone]").TextContent, StringComparison.Ordinal);
        Assert.StartsWith("keep last 7 · 7 daily · 4 weekly · 6 monthly", cut.Find("[data-testid=db-retention]").TextContent, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=db-protected]"));
        Assert.Empty(cut.FindAll("[data-testid=db-approval]"));
        Assert.Equal("/operations?target=database:shop", cut.Find("[data-testid=db-operations-link]").GetAttribute("href"));
        Assert.Single(cut.FindAll("[data-testid=db-backup-now]"));
        Assert.Single(cut.FindAll("[data-testid=db-drill-now]"));
    }

    [Fact]
    public async Task The_inventory_is_paged_by_the_server_newest_first_with_short_checksums_and_verification()
    {
        var backups = Enumerable.Range(0, 30).Select(i => BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(i + 1),
            verified: i != 2, purpose: i == 0 ? BackupPurposes.PreMigration : BackupPurposes.Scheduled,
            verifyError: i == 2 ? "checksum mismatch: the file changed since it was written" : null)).ToArray();
        await Host.AddAsync(backups);
        var cut = RenderPage(BackupsHost.Shop, Sre);

        cut.WaitForAssertion(() => Assert.Equal(25, cut.FindAll("[data-testid=db-backup]").Count), Timeout);
        Assert.Equal(backups.Take(25).Select(b => b.Id.ToString()), cut.FindAll("[data-testid=db-backup]").Select(r => r.GetAttribute("data-backup")));
        Assert.Equal("1–25 of 30", cut.Find("[data-testid=db-inventory-range]").TextContent);
        var first = cut.FindAll("[data-testid=db-backup]")[0];
        Assert.Equal("pre-migration", first.QuerySelector("[data-testid=db-backup-purpose]")!.TextContent);
        Assert.Equal("3f2a9c0d1e7b", first.QuerySelector("[data-testid=db-backup-sha]")!.TextContent);
        Assert.Equal(backups[0].Sha256, first.QuerySelector("[data-testid=db-backup-sha]")!.GetAttribute("title"));
        Assert.Contains("✓ verified", first.QuerySelector("[data-testid=db-backup-verified]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal($"/api/v1/backups/{backups[0].Id}/file", first.QuerySelector("[data-testid=db-backup-download]")!.GetAttribute("href"));
        var unverified = cut.FindAll("[data-testid=db-backup]")[2];
        Assert.Contains("✗ not verified", unverified.TextContent, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", unverified.QuerySelector("[data-testid=db-backup-verify-error]")!.TextContent, StringComparison.Ordinal);

        await cut.InvokeAsync(() => cut.FindAll("[data-testid=db-inventory-pages] button").First(b => b.TextContent.Trim() == "2").Click());

        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=db-backup]").Count), Timeout);
        Assert.Equal("26–30 of 30", cut.Find("[data-testid=db-inventory-range]").TextContent);
        Assert.Equal(backups.Skip(25).Select(b => b.Id.ToString()), cut.FindAll("[data-testid=db-backup]").Select(r => r.GetAttribute("data-backup")));
    }

    [Fact]
    public async Task Deleting_asks_for_the_file_name_and_a_reason_and_the_newest_verified_backup_is_refused_with_the_reason()
    {
        var newest = BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(1));
        var older = BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(2));
        await Host.AddAsync(newest, older);
        var dialogs = Render<MudDialogProvider>();
        var snackbars = Render<MudSnackbarProvider>();
        var cut = RenderPage(BackupsHost.Shop, Sre);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=db-backup]").Count), Timeout);

        await cut.InvokeAsync(() => Backup(cut, older.Id).QuerySelector("[data-testid=db-backup-delete]")!.Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=confirm-typed]")), Timeout);
        Assert.Contains(older.FileName, dialogs.Find("[data-testid=confirm-title]").TextContent, StringComparison.Ordinal);
        Assert.True(dialogs.Find("[data-testid=confirm-accept]").HasAttribute("disabled"));
        await dialogs.InvokeAsync(() => Input(dialogs, "confirm-typed").Input(older.FileName));
        await dialogs.InvokeAsync(() => Input(dialogs, "confirm-reason").Change("superseded by the manual one"));
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=confirm-accept]").HasAttribute("disabled")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        // Deleting is an operation (shop does not require approval, so it runs at once); the row leaves live when it is done.
        snackbars.WaitForAssertion(() => Assert.Contains($"Deletion of {older.FileName} requested.", snackbars.Markup, StringComparison.Ordinal), Timeout);
        cut.WaitForAssertion(() => Assert.Equal([newest.Id.ToString()], cut.FindAll("[data-testid=db-backup]").Select(r => r.GetAttribute("data-backup"))), Timeout);
        var deleted = await Host.DeletedAsync(older.Id);
        Assert.Equal(("sam", "superseded by the manual one"), deleted);

        await cut.InvokeAsync(() => Backup(cut, newest.Id).QuerySelector("[data-testid=db-backup-delete]")!.Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=confirm-typed]")), Timeout);
        await dialogs.InvokeAsync(() => Input(dialogs, "confirm-typed").Input(newest.FileName));
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=confirm-accept]").HasAttribute("disabled")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        snackbars.WaitForAssertion(() => Assert.Contains("is the newest verified backup of shop", snackbars.Markup, StringComparison.Ordinal), Timeout);
        Assert.Single(cut.FindAll("[data-testid=db-backup]"));
    }

    [Fact]
    public async Task Verify_starts_an_operation_whose_failure_shows_on_the_backup_live()
    {
        var backup = BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(1));
        await Host.AddAsync(backup);
        var snackbars = Render<MudSnackbarProvider>();
        var cut = RenderPage(BackupsHost.Shop, Sre);
        cut.WaitForAssertion(() => Assert.Equal("true", Backup(cut, backup.Id).GetAttribute("data-verified")), Timeout);

        await cut.InvokeAsync(() => Backup(cut, backup.Id).QuerySelector("[data-testid=db-backup-verify]")!.Click());

        snackbars.WaitForAssertion(() => Assert.Contains($"Verification of {backup.FileName} requested.", snackbars.Markup, StringComparison.Ordinal), Timeout);
        // The file is four bytes, not the dump its checksum describes: the real verifier says so, and the row follows.
        cut.WaitForAssertion(() => Assert.Equal("false", Backup(cut, backup.Id).GetAttribute("data-verified")), Timeout);
        Assert.NotEmpty(Backup(cut, backup.Id).QuerySelector("[data-testid=db-backup-verify-error]")!.TextContent);
    }

    [Fact]
    public async Task A_viewer_reads_the_inventory_and_drills_without_any_action()
    {
        await Host.AddAsync(
            BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(1)),
            BackupsHost.Drill(BackupsHost.Shop, TimeSpan.FromHours(3), passed: true, seconds: 1.5),
            BackupsHost.Drill(BackupsHost.Shop, TimeSpan.FromDays(7), passed: false, error: "pg_restore: error: could not read archive"));
        var cut = RenderPage(BackupsHost.Shop, Viewer);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=db-backup]")), Timeout);
        Assert.Equal(["passed", "failed"], cut.FindAll("[data-testid=db-drill-row]").Select(r => r.GetAttribute("data-result")));
        Assert.Contains("could not read archive", cut.FindAll("[data-testid=db-drill-row]")[1].TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=db-backup-now]"));
        Assert.Empty(cut.FindAll("[data-testid=db-drill-now]"));
        Assert.Empty(cut.FindAll("[data-testid=db-backup-verify]"));
        Assert.Empty(cut.FindAll("[data-testid=db-backup-download]"));
        Assert.Empty(cut.FindAll("[data-testid=db-backup-delete]"));
        Assert.Empty(cut.FindAll("[data-testid=db-restore]"));
        Assert.Empty(cut.FindAll("[data-testid=db-backup-restore]"));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=restore-history-empty]")), Timeout); // a viewer reads the history
    }

    [Fact]
    public async Task Restore_is_offered_on_the_page_and_on_each_backup_with_that_backup_chosen()
    {
        var backup = BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromHours(1));
        await Host.AddAsync(backup);
        var cut = RenderPage(BackupsHost.Shop, Sre);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=db-backup]")), Timeout);
        Assert.Equal("/databases/shop/restore", cut.Find("[data-testid=db-restore]").GetAttribute("href"));
        Assert.Equal($"/databases/shop/restore?backup={backup.Id}", Backup(cut, backup.Id).QuerySelector("[data-testid=db-backup-restore]")!.GetAttribute("href"));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=restore-history-empty]")), Timeout);
    }

    [Fact]
    public async Task The_page_follows_its_database_only_and_lets_go_when_disposed()
    {
        var before = Host.FeedSubscribers;
        var cut = RenderPage(BackupsHost.Shop, Sre);
        cut.WaitForAssertion(() => Assert.Equal(before + 5, Host.FeedSubscribers), Timeout);

        await Host.AddAsync(BackupsHost.Backup(BackupsHost.Shop, TimeSpan.FromMinutes(2)));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=db-backup]")), Timeout);

        await DisposeComponentsAsync();
        Assert.Equal(before, Host.FeedSubscribers);
    }

    private IRenderedComponent<DatabaseDetailPage> RenderPage(string name, System.Security.Claims.ClaimsPrincipal user) =>
        Render<DatabaseDetailPage>(p => As(p, user).Add(x => x.Name, name));

    private static IElement Backup(IRenderedComponent<DatabaseDetailPage> cut, Guid id) => cut.Find($"[data-testid=db-backup][data-backup='{id}']");

    private static IElement Input(IRenderedComponent<MudDialogProvider> dialogs, string testId)
    {
        var field = dialogs.Find($"[data-testid={testId}]");
        return field.TagName is "INPUT" or "TEXTAREA" ? field : field.QuerySelector("input, textarea")!;
    }
}
