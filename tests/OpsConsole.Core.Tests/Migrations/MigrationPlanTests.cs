using OpsConsole.Core.Migrations;

namespace OpsConsole.Core.Tests.Migrations;

public sealed class MigrationPlanTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);

    private static MigrationFolder Folder(params (string Name, string Sql)[] files) =>
        MigrationFiles.Parse(files.Select(f => (f.Name, (Func<string>)(() => f.Sql))));

    private static MigrationVersion V(string text) => MigrationVersion.TryParse(text, out var v) ? v! : throw new ArgumentException(text);

    private static AppliedMigration Applied(string version, string sql, bool success = true) =>
        new(V(version), "x", MigrationFiles.Checksum(sql), "sam", At, 0.1, success);

    private static MigrationPlan Plan(MigrationFolder folder, IEnumerable<AppliedMigration> history, bool outOfOrder = false, string? upTo = null) =>
        MigrationPlan.Make(folder, MigrationStatus.Compute(folder, history), outOfOrder, upTo is null ? null : V(upTo));

    [Fact]
    public void Pending_migrations_and_a_failed_one_are_planned_in_version_order()
    {
        var folder = Folder(("V1__one.sql", "one"), ("V2__two.sql", "two"), ("V10__ten.sql", "ten"), ("V3__three.sql", "three"));

        var plan = Plan(folder, [Applied("1", "one"), Applied("2", "two", success: false)]);

        Assert.Equal(["V2__two.sql", "V3__three.sql", "V10__ten.sql"], plan.Steps.Select(s => s.FileName));
        Assert.Empty(plan.Blockers);
        Assert.True(plan.CanApply);
    }

    [Fact]
    public void Up_to_a_version_stops_there_and_nothing_pending_cannot_apply()
    {
        var folder = Folder(("V1__one.sql", "one"), ("V2__two.sql", "two"), ("V3__three.sql", "three"));

        Assert.Equal(["V1__one.sql", "V2__two.sql"], Plan(folder, [], upTo: "2").Steps.Select(s => s.FileName));
        Assert.Equal(["V1__one.sql"], Plan(folder, [], upTo: "1.5").Steps.Select(s => s.FileName));
        var done = Plan(folder, [Applied("1", "one"), Applied("2", "two"), Applied("3", "three")]);
        Assert.Empty(done.Steps);
        Assert.False(done.CanApply);
    }

    [Fact]
    public void A_changed_or_missing_applied_migration_blocks_the_apply_naming_it()
    {
        var folder = Folder(("V1__one.sql", "one, edited"), ("V3__three.sql", "three"));

        var plan = Plan(folder, [Applied("1", "one"), Applied("2", "two")]);

        Assert.Equal(["V3__three.sql"], plan.Steps.Select(s => s.FileName));
        Assert.False(plan.CanApply);
        Assert.Equal(2, plan.Blockers.Count);
        Assert.Contains(plan.Blockers, b => b.StartsWith("V1__one.sql changed after it was applied", StringComparison.Ordinal)
            && b.Contains(MigrationFiles.Checksum("one"), StringComparison.Ordinal) && b.Contains(MigrationFiles.Checksum("one, edited"), StringComparison.Ordinal));
        Assert.Contains(plan.Blockers, b => b.StartsWith("version 2 was applied", StringComparison.Ordinal) && b.Contains("not in the folder", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_file_blocks_the_apply_naming_it() =>
        Assert.Equal(
            ["V1_one.sql: the name does not follow V<version>__<description>.sql (or U… for an undo): e.g. V1.2__add_orders_index.sql"],
            Plan(Folder(("V1_one.sql", "one"), ("V2__two.sql", "two")), []).Blockers);

    [Fact]
    public void An_older_pending_file_blocks_unless_out_of_order_is_allowed_then_it_is_planned()
    {
        var folder = Folder(("V1__one.sql", "one"), ("V1.5__between.sql", "between"), ("V2__two.sql", "two"), ("V3__three.sql", "three"));
        AppliedMigration[] history = [Applied("1", "one"), Applied("2", "two")];

        var strict = Plan(folder, history);
        var blocker = Assert.Single(strict.Blockers);
        Assert.Contains("V1.5__between.sql is older than a migration already applied", blocker, StringComparison.Ordinal);
        Assert.Contains("Migrations:OutOfOrder", blocker, StringComparison.Ordinal);
        Assert.Equal(["V3__three.sql"], strict.Steps.Select(s => s.FileName));

        var allowed = Plan(folder, history, outOfOrder: true);
        Assert.Empty(allowed.Blockers);
        Assert.Equal(["V1.5__between.sql", "V3__three.sql"], allowed.Steps.Select(s => s.FileName));
    }

    [Fact]
    public void Concurrently_in_a_transactional_file_blocks_naming_the_file_and_line_but_not_in_a_non_transactional_one()
    {
        const string index = "CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY ix ON t (a);";

        var refused = Plan(Folder(("V1__index.sql", index)), []);
        var blocker = Assert.Single(refused.Blockers);
        Assert.StartsWith("V1__index.sql line 2: cannot run in a transaction", blocker, StringComparison.Ordinal);
        Assert.False(refused.CanApply);

        var marked = Plan(Folder(("V1__index.sql", MigrationSql.NonTransactionalMarker + "\n" + index)), []);
        Assert.Empty(marked.Blockers);
        Assert.True(marked.CanApply);
    }

    [Fact]
    public void The_fingerprint_is_stable_for_the_same_files_and_changes_with_any_checksum_or_step()
    {
        var folder = Folder(("V1__one.sql", "one"), ("V2__two.sql", "two"));
        var same = Folder(("V2__two.sql", "two"), ("V1__one.sql", "one"));
        var edited = Folder(("V1__one.sql", "one"), ("V2__two.sql", "two;"));

        var plan = Plan(folder, []);

        Assert.Equal(64, plan.Fingerprint.Length);
        Assert.Equal(plan.Fingerprint[..12], plan.ShortFingerprint);
        Assert.Equal(plan.Fingerprint, Plan(same, []).Fingerprint);
        Assert.Equal(plan.Fingerprint, MigrationPlan.FingerprintOf(folder.Migrations));
        Assert.NotEqual(plan.Fingerprint, Plan(edited, []).Fingerprint);
        Assert.NotEqual(plan.Fingerprint, Plan(folder, [], upTo: "1").Fingerprint);
        Assert.NotEqual(plan.Fingerprint, Plan(folder, [Applied("1", "one")]).Fingerprint);
    }
}
