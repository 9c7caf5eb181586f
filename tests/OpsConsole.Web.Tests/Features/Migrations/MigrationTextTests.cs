using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Migrations;

namespace OpsConsole.Web.Tests.Features.Migrations;

public sealed class MigrationTextTests
{
    [Fact]
    public void Counts_always_say_applied_and_pending_and_the_other_states_only_when_there_are_some()
    {
        Assert.Equal([(MigrationState.Applied, 2), (MigrationState.Pending, 2)], MigrationText.Counts(FakeMigrationCommands.Shop()));

        var shop = FakeMigrationCommands.Shop();
        var drifted = FakeMigrationCommands.Shop(migrations:
        [
            shop.Migrations[0] with { State = MigrationState.Missing },
            shop.Migrations[1] with { State = MigrationState.Changed },
            shop.Migrations[2] with { State = MigrationState.OutOfOrder },
            shop.Migrations[3] with { State = MigrationState.Failed },
        ]);
        Assert.Equal(
            [(MigrationState.Applied, 0), (MigrationState.Pending, 0), (MigrationState.Failed, 1), (MigrationState.Changed, 1), (MigrationState.Missing, 1), (MigrationState.OutOfOrder, 1)],
            MigrationText.Counts(drifted));
        Assert.Equal("1 out of order", MigrationText.CountText(MigrationState.OutOfOrder, 1));
        Assert.Equal("out-of-order", MigrationText.Token(MigrationState.OutOfOrder));
    }

    [Fact]
    public void Apply_needs_a_plan_without_blockers_a_readable_history_and_a_free_lock()
    {
        Assert.True(MigrationText.CanApply(FakeMigrationCommands.Shop()));
        Assert.False(MigrationText.CanApply(FakeMigrationCommands.Shop(blockers: ["x"])));
        Assert.False(MigrationText.CanApply(FakeMigrationCommands.Shop(unreachable: "refused")));
        Assert.False(MigrationText.CanApply(FakeMigrationCommands.Shop(holder: new MigrationLockHolder("psql", "postgres", null, FakeMigrationCommands.T0, 7))));
        Assert.False(MigrationText.CanApply(FakeMigrationCommands.Shop(migrations: [FakeMigrationCommands.Applied("1", "x", "SELECT 1;")])));
        Assert.False(MigrationText.CanRehearse(FakeMigrationCommands.Shop(blockers: ["x"])));
    }

    [Fact]
    public void The_unreachable_blocker_is_not_said_twice_and_others_stay()
    {
        var view = FakeMigrationCommands.Shop(unreachable: "timeout", blockers: ["the history cannot be read: timeout", "V9__x.sql: bad name"]);

        Assert.Equal(["V9__x.sql: bad name"], MigrationText.Blockers(view));
    }

    [Fact]
    public void A_runs_outcome_names_the_file_and_line_it_failed_at()
    {
        var file = new PlannedMigration("4", "V4__idx.sql", "abc", true);
        var failed = FakeMigrationCommands.Run(MigrationRunKinds.Apply, state: OperationState.Failed, plan: [file], succeeded: false,
            error: "lock timeout", failedFile: "V4__idx.sql", failedLine: 5);
        var done = FakeMigrationCommands.Run(MigrationRunKinds.Apply, plan: [file],
            outcomes: [FakeMigrationCommands.Outcome(file, seconds: 1.0), FakeMigrationCommands.Outcome(file, seconds: 0.5)]);
        var waiting = FakeMigrationCommands.Run(MigrationRunKinds.Apply, state: OperationState.AwaitingApproval, succeeded: null);
        var died = FakeMigrationCommands.Run(MigrationRunKinds.Rehearsal, state: OperationState.Failed, succeeded: null, error: "console restarted during the operation");

        Assert.Equal("failed at V4__idx.sql, line 5: lock timeout", MigrationText.Outcome(failed));
        Assert.Equal("failed: V4__idx.sql line 5 failed: division by zero", MigrationText.Outcome(failed with { Error = "V4__idx.sql line 5 failed: division by zero" }));
        Assert.Equal("succeeded: 2 migrations in 1.5 s", MigrationText.Outcome(done));
        Assert.Equal("failed at line 2: boom", MigrationText.FileFailure(FakeMigrationCommands.Outcome(file, succeeded: false, failedLine: 2, error: "boom")));
        Assert.Equal("failed: V4__idx.sql line 2 failed: boom",
            MigrationText.FileFailure(FakeMigrationCommands.Outcome(file, succeeded: false, failedLine: 2, error: "V4__idx.sql line 2 failed: boom")));
        var ranFailing = FakeMigrationCommands.Run(MigrationRunKinds.Apply, state: OperationState.Failed, plan: [file], succeeded: false,
            outcomes: [FakeMigrationCommands.Outcome(file, succeeded: false, failedLine: 7, error: "boom")]);
        Assert.Equal(7, MigrationText.FailedLine(ranFailing, file));
        Assert.Null(MigrationText.FailedLine(ranFailing, file with { Checksum = "other" })); // the file changed since: its lines are not those
        Assert.Null(MigrationText.FailedLine(done, file));
        Assert.Equal("awaiting approval", MigrationText.Outcome(waiting));
        Assert.Equal("failed: console restarted during the operation", MigrationText.Outcome(died));
    }

    [Fact]
    public void The_sql_of_a_planned_file_is_shown_only_while_the_folder_holds_that_exact_file()
    {
        var shop = FakeMigrationCommands.Shop();
        var v3 = shop.Pending[0];

        Assert.Equal(FakeMigrationCommands.V3Sql, MigrationText.SqlOf(v3, shop.Migrations)?.Sql);
        Assert.Equal([FakeMigrationCommands.V3Flag], MigrationText.SqlOf(v3, shop.Migrations)?.Flags);
        Assert.Null(MigrationText.SqlOf(v3 with { Checksum = "0000" }, shop.Migrations));
        Assert.Null(MigrationText.SqlOf(v3, []));

        var undo = new PlannedMigration("2", "U2__products_updated_at.sql", MigrationFiles.Checksum(FakeMigrationCommands.U2Sql), false, IsUndo: true);
        Assert.Equal(FakeMigrationCommands.U2Sql, MigrationText.SqlOf(undo, shop.Migrations)?.Sql);
        Assert.Null(MigrationText.SqlOf(undo with { Checksum = "0000" }, shop.Migrations));
    }

    [Fact]
    public void The_apply_confirmation_says_who_must_approve_and_that_a_backup_comes_first()
    {
        var asked = MigrationText.ApplyMessage(FakeMigrationCommands.Shop(needsApproval: true));
        var direct = MigrationText.ApplyMessage(FakeMigrationCommands.Shop(needsApproval: false));

        Assert.StartsWith("shop needs a second person's approval", asked, StringComparison.Ordinal);
        Assert.StartsWith("It starts at once", direct, StringComparison.Ordinal);
        Assert.All([asked, direct], m => Assert.Contains("pre-migration backup of shop is taken first", m, StringComparison.Ordinal));
        Assert.Contains("have not been rehearsed", asked, StringComparison.Ordinal);
    }

    [Fact]
    public void Addresses_and_words()
    {
        Assert.Equal("/databases/shop/migrations", MigrationText.PageHref("shop"));
        Assert.Equal("ManagedDatabases:shop:Migrations:Path", MigrationText.FolderKey("shop"));
        Assert.Equal("9f86d081884c", MigrationText.Short(FakeMigrationCommands.Fingerprint));
        Assert.Equal("none", MigrationText.Locks([]));
        Assert.Equal("AccessExclusiveLock on shop.a, RowExclusiveLock on shop.b",
            MigrationText.Locks([new LockTaken("shop.a", "AccessExclusiveLock"), new LockTaken("shop.b", "RowExclusiveLock")]));
        Assert.Equal("2 flags (1 refused)", MigrationText.Flags([FakeMigrationCommands.V3Flag, FakeMigrationCommands.V3Flag with { Severity = LockSeverity.Refused }]));
        Assert.Equal("undo", MigrationText.HistoryType(MigrationHistory.UndoType));
        Assert.Equal("850 ms", MigrationText.Milliseconds(850));
        Assert.Equal("1.5 s", MigrationText.Milliseconds(1500));
        Assert.Equal("5 ms", MigrationText.Seconds(0.0051717));
        Assert.Equal("—", MigrationText.Seconds(null));
    }
}
