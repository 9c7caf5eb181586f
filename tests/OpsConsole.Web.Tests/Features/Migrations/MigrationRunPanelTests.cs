using OpsConsole.Core.Migrations;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Operations;
using OpsConsole.Web.Tests.Features.Operations;

namespace OpsConsole.Web.Tests.Features.Migrations;

/// <summary>The migration panel on the generic operation page, registered as the console registers it.</summary>
public sealed class MigrationRunPanelTests : MigrationsTestBed
{
    [Fact]
    public void An_apply_awaiting_approval_shows_its_files_with_their_sql_and_flags_the_rehearsal_and_the_backup_to_come()
    {
        var shop = FakeMigrationCommands.Shop();
        var (v3, v4) = (shop.Pending[0], shop.Pending[1]);
        var rehearsal = Commands.AddRun(FakeMigrationCommands.Run(MigrationRunKinds.Rehearsal, plan: [v3, v4],
            outcomes: [FakeMigrationCommands.Outcome(v3, seconds: 0.4), FakeMigrationCommands.Outcome(v4, seconds: 2.5)]));
        var op = Operations.Add(FakeOperationService.View("Apply 2 migrations to shop", OperationState.AwaitingApproval, kind: MigrationKinds.Apply, target: "database:shop"));
        Commands.AddRun(FakeMigrationCommands.Run(MigrationRunKinds.Apply, state: OperationState.AwaitingApproval, plan: [v3, v4], succeeded: null, rehearsal: rehearsal.Id) with { Id = op.Id });

        var cut = RenderAs<OperationDetailPage>(Bob, p => p.Add(x => x.Id, op.Id));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=migration-panel-file]").Count), Timeout);
        Assert.Equal(MigrationKinds.Apply, cut.Find("[data-testid=operation-section]").GetAttribute("data-kind"));
        var v3Lines = cut.FindAll("[data-testid=migration-panel-file]")[0].QuerySelectorAll("[data-testid=sql-line]");
        Assert.Contains("ADD COLUMN phone", string.Join("\n", v3Lines.Select(l => l.TextContent)), StringComparison.Ordinal);
        Assert.Equal("warning", v3Lines[3].GetAttribute("data-flag"));
        Assert.Equal("succeeded", cut.Find("[data-testid=migration-panel-rehearsal]").GetAttribute("data-outcome"));
        Assert.Contains("succeeded: 2 migrations in 2.9 s", cut.Find("[data-testid=migration-panel-rehearsal]").TextContent, StringComparison.Ordinal);
        Assert.Contains("taken first", cut.Find("[data-testid=migration-panel-backup]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["none", "none"], cut.FindAll("[data-testid=migration-panel-run] [data-testid=migration-run-file]").Select(r => r.GetAttribute("data-result")));
        Assert.Empty(cut.FindAll("[data-testid=migration-panel-run] [data-testid=migration-run-link]")); // already on its page
        Assert.Single(cut.FindAll("[data-testid=operation-state]")); // the page's own chip stays the only one by that id
    }

    [Fact]
    public void A_failed_apply_shows_each_files_outcome_and_the_backup_to_restore_and_no_sql_for_a_file_that_changed_since()
    {
        var shop = FakeMigrationCommands.Shop();
        var (v3, v4) = (shop.Pending[0], shop.Pending[1] with { Checksum = "0ld0ld0ld0ld0ld" });
        var backup = Guid.CreateVersion7(FakeMigrationCommands.T0);
        var op = Operations.Add(FakeOperationService.View("Apply 2 migrations to shop", OperationState.Failed, kind: MigrationKinds.Apply, target: "database:shop"));
        Commands.AddRun(FakeMigrationCommands.Run(MigrationRunKinds.Apply, state: OperationState.Failed, plan: [v3, v4], succeeded: false, backup: backup,
            outcomes: [FakeMigrationCommands.Outcome(v3), FakeMigrationCommands.Outcome(v4, succeeded: false, failedLine: 2, error: "lock timeout")],
            error: "lock timeout", failedFile: v4.FileName, failedLine: 2) with { Id = op.Id });

        var cut = RenderAs<OperationDetailPage>(Bob, p => p.Add(x => x.Id, op.Id));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=migration-panel-file]").Count), Timeout);
        Assert.Equal(["ok", "failed"], cut.FindAll("[data-testid=migration-panel-run] [data-testid=migration-run-file]").Select(r => r.GetAttribute("data-result")));
        Assert.Contains("V4__order_lines_product_index.sql, line 2", cut.Find("[data-testid=migration-panel-run] [data-testid=migration-run-outcome]").TextContent, StringComparison.Ordinal);
        Assert.EndsWith($"/databases/shop/restore?backup={backup}", cut.Find("[data-testid=migration-panel-restore]").GetAttribute("href"), StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=migration-panel-no-rehearsal]"));
        Assert.Null(cut.FindAll("[data-testid=migration-panel-file]")[0].QuerySelector("[data-testid=migration-panel-no-sql]"));
        Assert.Empty(cut.FindAll("[data-testid=migration-panel-file]")[0].QuerySelectorAll("[data-failed]")); // V3 succeeded
        Assert.NotNull(cut.FindAll("[data-testid=migration-panel-file]")[1].QuerySelector("[data-testid=migration-panel-no-sql]"));
    }

    [Fact]
    public void Other_kinds_get_no_migration_panel()
    {
        var op = Operations.Add(FakeOperationService.View("Back up shop (manual)", OperationState.Succeeded, kind: "backup", target: "database:shop"));

        var cut = RenderAs<OperationDetailPage>(Bob, p => p.Add(x => x.Id, op.Id));

        cut.WaitForAssertion(() => Assert.Equal("Back up shop (manual)", cut.Find("[data-testid=operation-title]").TextContent), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=operation-section]"));
        Assert.Empty(cut.FindAll("[data-testid=migration-panel]"));
        Assert.Equal(0, Commands.Reads);
    }

    [Fact]
    public void The_panel_follows_the_operation_as_it_runs()
    {
        var shop = FakeMigrationCommands.Shop();
        var v3 = shop.Pending[0];
        var op = Operations.Add(FakeOperationService.View("Apply 1 migration to shop", OperationState.Running, kind: MigrationKinds.Apply, target: "database:shop"));
        var run = Commands.AddRun(FakeMigrationCommands.Run(MigrationRunKinds.Apply, state: OperationState.Running, plan: [v3], succeeded: null) with { Id = op.Id });
        var cut = RenderAs<OperationDetailPage>(Bob, p => p.Add(x => x.Id, op.Id));
        cut.WaitForAssertion(() => Assert.Equal("none", cut.Find("[data-testid=migration-panel-run] [data-testid=migration-run-file]").GetAttribute("data-result")), Timeout);

        Commands.AddRun(run with { State = OperationState.Succeeded, Succeeded = true, Outcomes = [FakeMigrationCommands.Outcome(v3)] });
        var done = Operations.Add(op with { State = OperationState.Succeeded, EndedAt = op.StartedAt!.Value.AddSeconds(3) });
        Bus.Publish(OperationTopics.Changed, new OperationChanged(done.Id, done.Target, done.State, false));

        cut.WaitForAssertion(() => Assert.Equal("ok", cut.Find("[data-testid=migration-panel-run] [data-testid=migration-run-file]").GetAttribute("data-result")), Timeout);
        Assert.Equal(1, Commands.Reads); // the SQL is read once per operation, not at every change
    }

    [Fact]
    public void A_section_component_without_the_operation_parameter_is_refused_at_registration()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();

        var refused = Assert.Throws<InvalidOperationException>(() => services.AddOperationDetailSection<OpsConsole.Web.Features.Migrations.SqlView>("x"));

        Assert.Contains("[Parameter] public OperationView Operation", refused.Message, StringComparison.Ordinal);
    }
}
