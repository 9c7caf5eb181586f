using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;

namespace OpsConsole.Core.Tests.Migrations.Engine;

public sealed class MigrationHistoryTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private static HistoryRow Row(int rank, string version, string checksum = "c", bool success = true, bool undo = false) =>
        new(rank, version, "d", undo ? MigrationHistory.UndoType : MigrationHistory.MigrationType, $"{(undo ? "U" : "V")}{version}__d.sql", checksum, "sam",
            At.AddMinutes(rank), 100 * rank, success, null);

    private static IReadOnlyList<(string Version, string Checksum, bool Success)> Effective(params HistoryRow[] rows) =>
        [.. MigrationHistory.Effective(rows).OrderBy(a => a.Version).Select(a => (a.Version.Text, a.Checksum, a.Success))];

    [Fact]
    public void The_latest_row_of_a_version_wins_in_rank_order_whatever_order_they_are_given_in() =>
        Assert.Equal(
            [("1", "retried", true), ("2", "broken", false)],
            Effective(Row(3, "2", "broken", success: false), Row(2, "1", "retried"), Row(1, "1", "first", success: false)));

    [Fact]
    public void A_successful_undo_removes_the_version_and_a_later_apply_brings_it_back()
    {
        Assert.Equal([("1", "c", true)], Effective(Row(1, "1"), Row(2, "2"), Row(3, "2", undo: true)));
        Assert.Equal([("1", "c", true), ("2", "again", true)], Effective(Row(1, "1"), Row(2, "2"), Row(3, "2", undo: true), Row(4, "2", "again")));
    }

    [Fact]
    public void A_failed_undo_changes_nothing_it_was_rolled_back() =>
        Assert.Equal([("1", "c", true), ("2", "c", true)], Effective(Row(1, "1"), Row(2, "2"), Row(3, "2", success: false, undo: true)));

    [Fact]
    public void A_row_whose_version_cannot_be_read_is_skipped_and_durations_are_seconds()
    {
        var effective = MigrationHistory.Effective([Row(1, "1"), Row(2, "by hand")]);

        var only = Assert.Single(effective);
        Assert.Equal(("1", 0.1, "sam"), (only.Version.Text, only.DurationSeconds, only.AppliedBy));
    }
}
