using OpsConsole.Core.Migrations;

namespace OpsConsole.Core.Tests.Migrations;

public sealed class MigrationFilesTests
{
    private static MigrationFolder Folder(params (string Name, string Sql)[] files) =>
        MigrationFiles.Parse(files.Select(f => (f.Name, (Func<string>)(() => f.Sql))));

    private static MigrationVersion V(string text) => MigrationVersion.TryParse(text, out var v) ? v! : throw new ArgumentException(text);

    [Fact]
    public void Files_are_read_the_way_flyway_names_them_and_ordered_by_version_as_numbers()
    {
        var folder = Folder(
            ("V10__ten.sql", "select 10"), ("V2__two.sql", "select 2"), ("V1.1__one_point_one.sql", "select 11"), ("V1__add_orders_index.sql", "select 1"),
            ("U2__undo_two.sql", "select -2"), ("README.md", "not a migration"));

        Assert.Empty(folder.Problems);
        Assert.Equal(["1", "1.1", "2", "10"], folder.Migrations.Select(m => m.Version.Text));
        Assert.Equal("add orders index", folder.Migrations[0].Description);
        Assert.True(folder.Undo.ContainsKey(V("2")));
    }

    [Theory]
    [InlineData("1.2", "1_2", 0)]
    [InlineData("1.2", "1.2.0", 0)]
    [InlineData("1.10", "1.9", 1)]
    [InlineData("2", "10", -1)]
    [InlineData("20261207", "3", 1)]
    public void Versions_compare_part_by_part_as_numbers(string a, string b, int sign) =>
        Assert.Equal(sign, Math.Sign(V(a).CompareTo(V(b))));

    [Theory]
    [InlineData("1__no_prefix.sql")]
    [InlineData("V1_no_double_underscore.sql")]
    [InlineData("Vx__letters.sql")]
    [InlineData("V1..2__empty_part.sql")]
    [InlineData("v1__lower_case_prefix.sql")]
    [InlineData("V1__.sql")]
    public void A_badly_named_sql_file_is_a_problem_naming_it(string name)
    {
        var folder = Folder((name, "select 1"));
        var problem = Assert.Single(folder.Problems);
        Assert.Equal(name, problem.FileName);
        Assert.Contains("V<version>__<description>.sql", problem.Problem, StringComparison.Ordinal);
        Assert.Empty(folder.Migrations);
    }

    [Fact]
    public void A_duplicate_version_and_an_undo_without_its_migration_are_problems_naming_the_files()
    {
        var folder = Folder(("V1__first.sql", "a"), ("V1.0__same_version.sql", "b"), ("U7__orphan.sql", "c"));
        // Files are read in ordinal name order: the first one of a version is kept, the second is named with the first.
        Assert.Equal(["V1.0__same_version.sql"], folder.Migrations.Select(m => m.FileName));
        Assert.Contains(folder.Problems, p => p.FileName == "V1__first.sql" && p.Problem.Contains("V1.0__same_version.sql", StringComparison.Ordinal));
        Assert.Contains(folder.Problems, p => p.FileName == "U7__orphan.sql");
        Assert.Empty(folder.Undo);
    }

    [Fact]
    public void The_checksum_ignores_line_endings_but_not_content() =>
        Assert.Equal(
            (true, false),
            (MigrationFiles.Checksum("a\r\nb") == MigrationFiles.Checksum("a\nb"), MigrationFiles.Checksum("a\nb") == MigrationFiles.Checksum("a\nc")));

    [Fact]
    public void States_compare_files_with_the_history_table()
    {
        var folder = Folder(("V1__one.sql", "one"), ("V2__two.sql", "two"), ("V3__three.sql", "three"), ("V4__four.sql", "four"), ("V6__six.sql", "six"), ("V7__seven.sql", "seven"), ("U4__four.sql", "undo"));
        var at = new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);
        AppliedMigration Row(string version, string sql, bool success = true, int minutes = 0) =>
            new(V(version), "x", MigrationFiles.Checksum(sql), "sam", at.AddMinutes(minutes), 0.1, success);

        var status = MigrationStatus.Compute(folder, [
            Row("1", "one"), Row("2", "two, as it was then"), Row("4", "four", success: false), Row("4", "four", minutes: 5), Row("5", "five"), Row("6", "six", success: false)]);

        Assert.Equal(
            [
                ("1", MigrationState.Applied), ("2", MigrationState.Changed), ("3", MigrationState.OutOfOrder), ("4", MigrationState.Applied),
                ("5", MigrationState.Missing), ("6", MigrationState.Failed), ("7", MigrationState.Pending),
            ],
            status.Select(s => (s.Version.Text, s.State)));
        var changed = status[1];
        Assert.Contains(changed.Applied!.Checksum, changed.Explanation, StringComparison.Ordinal);
        Assert.Contains(changed.File!.Checksum, changed.Explanation, StringComparison.Ordinal);
        Assert.Contains("V2__two.sql", changed.Explanation, StringComparison.Ordinal);
        Assert.True(status[3].HasUndo);
    }

    [Fact]
    public void With_an_empty_history_everything_is_pending() =>
        Assert.All(MigrationStatus.Compute(Folder(("V1__a.sql", "a"), ("V2__b.sql", "b")), []), s => Assert.Equal(MigrationState.Pending, s.State));
}
