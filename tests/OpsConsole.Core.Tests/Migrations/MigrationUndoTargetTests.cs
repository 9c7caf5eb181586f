using OpsConsole.Core.Migrations;

namespace OpsConsole.Core.Tests.Migrations;

public sealed class MigrationUndoTargetTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_failed_transactional_migration_left_nothing_so_the_undo_target_is_the_newest_applied_one()
    {
        var folder = MigrationFiles.Parse([("V1__a.sql", () => "SELECT 1;"), ("V2__b.sql", () => "SELECT 2;"), ("V3__c.sql", () => "SELECT 3;")]);
        var status = MigrationStatus.Compute(folder, [Row(folder, 0, true), Row(folder, 1, true), Row(folder, 2, false)]);

        Assert.Equal("2", MigrationService.UndoTarget(status)!.Version.Text);
    }

    [Fact]
    public void A_failed_non_transactional_migration_may_have_committed_statements_so_it_is_the_undo_target()
    {
        var folder = MigrationFiles.Parse([("V1__a.sql", () => "SELECT 1;"), ("V2__b.sql", () => "-- opsconsole:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);")]);
        var status = MigrationStatus.Compute(folder, [Row(folder, 0, true), Row(folder, 1, false)]);

        Assert.Equal("2", MigrationService.UndoTarget(status)!.Version.Text);
    }

    [Fact]
    public void A_newer_applied_migration_whose_file_is_missing_is_still_the_newest_so_an_older_one_is_never_offered()
    {
        var folder = MigrationFiles.Parse([("V1__a.sql", () => "SELECT 1;")]);
        Assert.True(MigrationVersion.TryParse("2", out var two));
        var status = MigrationStatus.Compute(folder, [Row(folder, 0, true), new AppliedMigration(two!, "gone", "ffff", "ci", At, 0.1, true)]);

        var target = MigrationService.UndoTarget(status)!;
        Assert.Equal("2", target.Version.Text);
        Assert.Null(target.File);
    }

    [Fact]
    public void Nothing_applied_means_nothing_to_undo() =>
        Assert.Null(MigrationService.UndoTarget(MigrationStatus.Compute(MigrationFiles.Parse([("V1__a.sql", () => "SELECT 1;")]), [])));

    private static AppliedMigration Row(MigrationFolder folder, int index, bool success) =>
        new(folder.Migrations[index].Version, "x", folder.Migrations[index].Checksum, "ci", At.AddMinutes(index), 0.1, success);
}
