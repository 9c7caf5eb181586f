using OpsConsole.Core.Attention;
using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Migrations;

namespace OpsConsole.Core.Tests.Migrations;

public sealed class MigrationWatchTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Drift_and_a_failed_migration_are_on_the_board_and_pending_ones_are_not()
    {
        var folder = MigrationFiles.Parse([("V1__a.sql", () => "SELECT 1;"), ("V2__b.sql", () => "SELECT 2;"), ("V3__c.sql", () => "SELECT 3;"), ("V4__d.sql", () => "SELECT 4;")]);
        var applied = new[]
        {
            Applied("1", "0000", true), // changed: the file's checksum differs
            Applied("2", folder.Migrations[1].Checksum, true),
            Applied("3", folder.Migrations[2].Checksum, false),
            Applied("9", "ffff", true), // missing: no file
        };

        var items = MigrationWatch.ItemsOf("shop", MigrationStatus.Compute(folder, applied));

        Assert.Equal(["migration-drift:shop", "migration-failed:shop"], items.Select(i => i.Key));
        Assert.All(items, i => Assert.Equal(AttentionLevel.Warning, i.Level));
        Assert.All(items, i => Assert.Equal("/databases/shop/migrations", i.Href));
        Assert.Contains("V1__a.sql and version 9", items[0].Title, StringComparison.Ordinal);
        Assert.Contains("V3__c.sql failed", items[1].Title, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_with_only_applied_and_pending_migrations_needs_no_attention()
    {
        var folder = MigrationFiles.Parse([("V1__a.sql", () => "SELECT 1;"), ("V2__b.sql", () => "SELECT 2;")]);

        Assert.Empty(MigrationWatch.ItemsOf("shop", MigrationStatus.Compute(folder, [Applied("1", folder.Migrations[0].Checksum, true)])));
    }

    [Theory]
    [InlineData("""max by (database) (opsconsole_schema_migrations{state=~"changed|missing"}) > 0""")]
    [InlineData("""max by (database) (opsconsole_schema_migrations{state="failed"}) > 0""")]
    public void The_default_rules_expressions_parse_in_the_consoles_PromQL(string expression) =>
        Assert.NotNull(PromQlParser.Parse(expression));

    private static AppliedMigration Applied(string version, string checksum, bool success)
    {
        Assert.True(MigrationVersion.TryParse(version, out var v));
        return new AppliedMigration(v!, "x", checksum, "ci", At, 0.1, success);
    }
}
