using MudBlazor;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Migrations;

namespace OpsConsole.Web.Tests.Features.Migrations;

public sealed class MigrationsPageTests : MigrationsTestBed
{
    [Fact]
    public void The_page_shows_each_migration_state_the_counts_the_pending_files_and_the_plan_fingerprint()
    {
        var cut = RenderPage(Sam);

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=migration-row]").Count), Timeout);
        Assert.Equal(["applied", "applied", "pending", "pending"], cut.FindAll("[data-testid=migration-row]").Select(r => r.GetAttribute("data-state")));
        Assert.Equal([("applied", "2"), ("pending", "2")],
            cut.FindAll("[data-testid=migration-count]").Select(c => (c.GetAttribute("data-state"), c.GetAttribute("data-count"))));
        Assert.Equal("2 applied", cut.FindAll("[data-testid=migration-count]")[0].TextContent);
        Assert.Contains("V3__customers_phone.sql is not applied yet", cut.FindAll("[data-testid=migration-explanation]")[2].TextContent, StringComparison.Ordinal);
        Assert.Equal(["V3__customers_phone.sql", "V4__order_lines_product_index.sql"],
            cut.FindAll("[data-testid=migrations-pending-file]").Select(f => f.GetAttribute("data-file")));
        Assert.Equal(FakeMigrationCommands.Fingerprint[..12], cut.Find("[data-testid=migrations-fingerprint]").TextContent);
        Assert.Equal("Apply 2 migrations…", cut.Find("button[data-testid=migrations-apply]").TextContent.Trim());
        Assert.False(cut.Find("button[data-testid=migrations-apply]").HasAttribute("disabled"));
        Assert.Single(cut.FindAll("[data-testid=migrations-no-rehearsal]"));
        Assert.Equal(2, cut.FindAll("[data-testid=migration-history-row]").Count);
        // The pending files' SQL is on the page with its flag on its line.
        var pendingV3 = cut.FindAll("[data-testid=migrations-pending-file]")[0];
        Assert.Equal("warning", pendingV3.QuerySelector("[data-testid=sql-line][data-line='4']")!.GetAttribute("data-flag"));
    }

    [Fact]
    public async Task Apply_confirms_the_files_then_sends_the_fingerprint_it_showed_and_opens_the_operation()
    {
        var operation = FakeMigrationCommands.Operation(MigrationKinds.Apply, "shop", OperationState.AwaitingApproval);
        Commands.OnApply = _ => operation;
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderPage(Sam);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("button[data-testid=migrations-apply]")), Timeout);

        await cut.InvokeAsync(() => cut.Find("button[data-testid=migrations-apply]").Click());

        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=migration-confirm-accept]")), Timeout);
        Assert.Equal("Apply 2 migrations to shop?", dialogs.Find("[data-testid=migration-confirm-title]").TextContent);
        Assert.Equal(2, dialogs.FindAll("[data-testid=migration-confirm-file]").Count);
        var said = dialogs.Find("[data-testid=migration-confirm-message]").TextContent;
        Assert.Contains("needs a second person's approval", said, StringComparison.Ordinal);
        Assert.Contains("pre-migration backup", said, StringComparison.Ordinal);
        Assert.Equal("Request apply", dialogs.Find("[data-testid=migration-confirm-accept]").TextContent.Trim());
        Assert.Empty(Commands.Applies); // nothing before the confirmation

        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=migration-confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Equal([("shop", FakeMigrationCommands.Fingerprint, (string?)null, "sam")], Commands.Applies), Timeout);
        cut.WaitForAssertion(() => Assert.EndsWith($"/operations/{operation.Id}", Navigation.Uri, StringComparison.Ordinal), Timeout);
    }

    [Fact]
    public async Task Cancelling_the_confirmation_applies_nothing()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderPage(Sam);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("button[data-testid=migrations-apply]")), Timeout);

        await cut.InvokeAsync(() => cut.Find("button[data-testid=migrations-apply]").Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=migration-confirm-cancel]")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=migration-confirm-cancel]").Click());

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=migration-confirm]")), Timeout);
        Assert.Empty(Commands.Applies);
        Assert.EndsWith("/", Navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_apply_is_shown_in_its_own_words_and_the_page_stays()
    {
        Commands.OnApply = _ => throw new MigrationRequestException("fingerprint",
            "The pending migrations of shop changed since you looked (now 0123456789ab, you saw 9f86d081884c); review them again.");
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderPage(Sam);
        await ApplyAndConfirmAsync(cut, dialogs);

        cut.WaitForAssertion(() => Assert.Contains("changed since you looked", cut.Find("[data-testid=migrations-message]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.DoesNotContain("(Parameter", cut.Markup, StringComparison.Ordinal);
        Assert.EndsWith("/", Navigation.Uri, StringComparison.Ordinal); // no navigation
        Assert.Single(Commands.Applies);

        // A busy database names the operation that holds it, with a link.
        var holder = Guid.CreateVersion7(FakeMigrationCommands.T0);
        Commands.OnApply = _ => throw new OperationRefusedException("database:shop is busy with a backup requested by sam.", OperationRefusal.TargetBusy, holder);
        await ApplyAndConfirmAsync(cut, dialogs);

        cut.WaitForAssertion(() => Assert.Contains("busy with a backup", cut.Find("[data-testid=migrations-message]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.EndsWith($"/operations/{holder}", cut.Find("[data-testid=migrations-blocking-link]").GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_lock_holder_is_named_and_nothing_can_be_started_while_it_holds_the_lock()
    {
        Commands.Set(FakeMigrationCommands.Shop(holder: new MigrationLockHolder("flyway by carol", "shop_owner", "10.0.0.9", FakeMigrationCommands.T0.AddMinutes(-3), 4242)));

        var cut = RenderPage(Sam);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=migrations-locked]")), Timeout);
        var said = cut.Find("[data-testid=migrations-locked]").TextContent;
        Assert.Contains("\"flyway by carol\"", said, StringComparison.Ordinal);
        Assert.Contains("pid 4242", said, StringComparison.Ordinal);
        Assert.True(cut.Find("button[data-testid=migrations-apply]").HasAttribute("disabled"));
        Assert.True(cut.Find("button[data-testid=migrations-rehearse]").HasAttribute("disabled"));
    }

    [Fact]
    public void Blockers_are_listed_and_disable_apply_and_rehearsal()
    {
        Commands.Set(FakeMigrationCommands.Shop(blockers:
            ["V2__products_updated_at.sql changed after it was applied: applied checksum aaa, file checksum bbb"]));

        var cut = RenderPage(Sam);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=migrations-blocker]")), Timeout);
        Assert.Contains("changed after it was applied", cut.Find("[data-testid=migrations-blocker]").TextContent, StringComparison.Ordinal);
        Assert.True(cut.Find("button[data-testid=migrations-apply]").HasAttribute("disabled"));
        Assert.True(cut.Find("button[data-testid=migrations-rehearse]").HasAttribute("disabled"));
    }

    [Fact]
    public void A_database_without_a_migrations_folder_says_which_setting_to_add()
    {
        Commands.Set(FakeMigrationCommands.NotConfigured("console"));

        var cut = RenderPage(Sam, "console");

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=migrations-not-configured]")), Timeout);
        Assert.Contains("ManagedDatabases:console:Migrations:Path", cut.Find("[data-testid=migrations-not-configured]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=migration-list]"));
        Assert.Empty(cut.FindAll("[data-testid=migrations-apply]"));
    }

    [Fact]
    public void An_unreachable_database_is_said_once_and_blocks_apply()
    {
        const string why = "Failed to connect to 127.0.0.1:5999";
        Commands.Set(FakeMigrationCommands.Shop(unreachable: why, blockers: [$"the history cannot be read: {why}"]));

        var cut = RenderPage(Sam);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=migrations-unreachable]")), Timeout);
        Assert.Contains(why, cut.Find("[data-testid=migrations-unreachable]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=migrations-blockers]"));
        Assert.True(cut.Find("button[data-testid=migrations-apply]").HasAttribute("disabled"));
    }

    [Fact]
    public void A_viewer_reads_the_plan_without_buttons()
    {
        Commands.MayAct = false;

        var cut = RenderPage(Vera);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=migrations-not-allowed]")), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=migrations-apply]"));
        Assert.Empty(cut.FindAll("[data-testid=migrations-rehearse]"));
        Assert.Empty(cut.FindAll("[data-testid=migration-undo]"));
        Assert.Equal(2, cut.FindAll("[data-testid=migrations-pending-file]").Count);
    }

    [Fact]
    public void A_row_opens_to_its_sql_with_the_flags_and_a_changed_one_shows_both_checksums()
    {
        var changed = FakeMigrationCommands.Applied("2", "products_updated_at", "ALTER TABLE shop.products ADD COLUMN updated_at timestamptz;") with
        {
            State = MigrationState.Changed,
            AppliedChecksum = "aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa1111bbbb2222",
            Explanation = "V2__products_updated_at.sql changed after it was applied",
        };
        Commands.Set(FakeMigrationCommands.Shop(migrations:
        [
            changed,
            FakeMigrationCommands.Pending("3", "customers_phone", FakeMigrationCommands.V3Sql, [FakeMigrationCommands.V3Flag]),
        ]));
        var cut = RenderPage(Sam);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=migration-row]").Count), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=migration-detail]"));

        cut.FindAll("[data-testid=migration-toggle]")[0].Click();
        cut.FindAll("[data-testid=migration-toggle]")[1].Click();

        var details = cut.FindAll("[data-testid=migration-detail]");
        Assert.Equal(["2", "3"], details.Select(d => d.GetAttribute("data-version")));
        var checksums = details[0].QuerySelector("[data-testid=migration-checksums]")!.TextContent;
        Assert.Contains(changed.AppliedChecksum!, checksums, StringComparison.Ordinal);
        Assert.Contains(changed.Checksum!, checksums, StringComparison.Ordinal);
        Assert.Equal(["4"], details[1].QuerySelectorAll("[data-testid=sql-line][data-flag]").Select(l => l.GetAttribute("data-line")));
        Assert.Contains("ACCESS EXCLUSIVE", details[1].QuerySelector("[data-testid=sql-flag]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("true", cut.FindAll("[data-testid=migration-toggle]")[0].GetAttribute("aria-expanded"));

        cut.FindAll("[data-testid=migration-toggle]")[0].Click();
        Assert.Equal(["3"], cut.FindAll("[data-testid=migration-detail]").Select(d => d.GetAttribute("data-version")));
    }

    [Fact]
    public async Task Undo_shows_the_undo_sql_before_it_asks_for_it()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderPage(Sam);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=migration-undo]")), Timeout);
        Assert.Equal("2", cut.Find("[data-testid=migration-undo]").Closest("tr")!.GetAttribute("data-version"));

        await cut.InvokeAsync(() => cut.Find("button[data-testid=migration-undo]").Click());

        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=migration-confirm-sql]")), Timeout);
        Assert.Equal("Undo version 2 of shop?", dialogs.Find("[data-testid=migration-confirm-title]").TextContent);
        Assert.Contains("DROP COLUMN IF EXISTS updated_at", dialogs.Find("[data-testid=migration-confirm-sql]").TextContent, StringComparison.Ordinal);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=migration-confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Equal([("shop", "2")], Commands.Undos), Timeout);
        cut.WaitForAssertion(() => Assert.Matches("/operations/[0-9a-f-]{36}$", Navigation.Uri), Timeout);
    }

    [Fact]
    public void A_failed_apply_offers_both_ways_back_undo_and_the_pre_migration_backup()
    {
        var v4 = FakeMigrationCommands.Planned(FakeMigrationCommands.Pending("4", "order_lines_product_index", FakeMigrationCommands.V4Sql, nonTransactional: true));
        var backup = Guid.CreateVersion7(FakeMigrationCommands.T0);
        var failed = FakeMigrationCommands.Run(MigrationRunKinds.Apply, state: OperationState.Failed, plan: [v4], succeeded: false,
            error: "canceling statement due to lock timeout", failedFile: v4.FileName, failedLine: 2, backup: backup);
        Commands.Set(FakeMigrationCommands.Shop(lastRun: failed));
        Commands.AddRun(failed);

        var cut = RenderPage(Sam);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=migrations-last-failed]")), Timeout);
        var said = cut.Find("[data-testid=migrations-last-failed]").TextContent;
        Assert.Contains("V4__order_lines_product_index.sql, line 2", said, StringComparison.Ordinal);
        Assert.Contains("lock timeout", said, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=migrations-way-back-undo]"));
        Assert.EndsWith($"/databases/shop/restore?backup={backup}", cut.Find("[data-testid=migrations-way-back-restore]").GetAttribute("href"), StringComparison.Ordinal);
        Assert.EndsWith($"/operations/{failed.Id}", cut.Find("[data-testid=migration-run-row-link]").GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_latest_rehearsal_shows_each_file_its_time_its_locks_and_where_it_failed()
    {
        var shop = FakeMigrationCommands.Shop();
        var (v3, v4) = (shop.Pending[0], shop.Pending[1]);
        var rehearsal = FakeMigrationCommands.Run(MigrationRunKinds.Rehearsal, state: OperationState.Failed, plan: [v3, v4], succeeded: false,
            outcomes: [FakeMigrationCommands.Outcome(v3, seconds: 1.4), FakeMigrationCommands.Outcome(v4, succeeded: false, failedLine: 2, error: "relation \"shop.order_lines\" does not exist")],
            error: "relation \"shop.order_lines\" does not exist", failedFile: v4.FileName, failedLine: 2, warning: "the copy was restored from a backup 3 days old");
        Commands.Set(FakeMigrationCommands.Shop(rehearsal: rehearsal));

        var cut = RenderPage(Sam);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=migrations-rehearsal]")), Timeout);
        var box = cut.Find("[data-testid=migrations-rehearsal]");
        Assert.Equal("failed", box.GetAttribute("data-outcome"));
        Assert.Equal(["ok", "failed"], box.QuerySelectorAll("[data-testid=migration-run-file]").Select(r => r.GetAttribute("data-result")));
        Assert.Contains("1.4 s", box.QuerySelectorAll("[data-testid=migration-run-file]")[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("AccessExclusiveLock on shop.customers", box.QuerySelector("[data-testid=migration-run-locks]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("failed at line 2", box.QuerySelector("[data-testid=migration-run-file-error]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("3 days old", box.QuerySelector("[data-testid=migration-run-warning]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_follows_its_database_live_and_lets_go_when_disposed()
    {
        var cut = RenderPage(Sam);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=migrations-pending-file]").Count), Timeout);
        cut.WaitForAssertion(() => Assert.Equal(1, Subscribers(MigrationTopics.Changed.Name)), Timeout);
        Assert.Equal(1, Subscribers(OperationTopics.Changed.Name));

        var reads = Commands.Reads;
        // Another database's news is not this page's (counted below: only shop's event reads again).
        Bus.Publish(MigrationTopics.Changed, new MigrationsChanged("other"));

        // V3 applied elsewhere: the service says so, the page follows.
        var shop = FakeMigrationCommands.Shop();
        Commands.Set(FakeMigrationCommands.Shop(migrations:
        [
            .. shop.Migrations.Take(2),
            FakeMigrationCommands.Applied("3", "customers_phone", FakeMigrationCommands.V3Sql, hoursAgo: 0),
            shop.Migrations[3],
        ]));
        Bus.Publish(MigrationTopics.Changed, new MigrationsChanged("shop"));

        cut.WaitForAssertion(() => Assert.Equal(["V4__order_lines_product_index.sql"],
            cut.FindAll("[data-testid=migrations-pending-file]").Select(f => f.GetAttribute("data-file"))), Timeout);
        Assert.Equal([("applied", "3"), ("pending", "1")],
            cut.FindAll("[data-testid=migration-count]").Select(c => (c.GetAttribute("data-state"), c.GetAttribute("data-count"))));
        Assert.Equal("Apply 1 migration…", cut.Find("button[data-testid=migrations-apply]").TextContent.Trim());
        Assert.Equal(reads + 1, Commands.Reads);

        await DisposeComponentsAsync();

        Assert.Equal(0, Subscribers(MigrationTopics.Changed.Name));
        Assert.Equal(0, Subscribers(OperationTopics.Changed.Name));
    }

    private async Task ApplyAndConfirmAsync(IRenderedComponent<MigrationsPage> cut, IRenderedComponent<MudDialogProvider> dialogs)
    {
        cut.WaitForAssertion(() => Assert.False(cut.Find("button[data-testid=migrations-apply]").HasAttribute("disabled")), Timeout);
        await cut.InvokeAsync(() => cut.Find("button[data-testid=migrations-apply]").Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=migration-confirm-accept]")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=migration-confirm-accept]").Click());
    }
}
