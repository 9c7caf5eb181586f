using Npgsql;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;

namespace OpsConsole.Core.Tests.Migrations.Engine;

public sealed class MigrationRunnerTests
{
    // Statement 2 starts on line 3 and spans lines 3 to 5.
    private const string Sql = "CREATE TABLE a (id int);\n\nALTER TABLE a\n  ADD COLUMN b text NOT NUL,\n  ADD COLUMN c int;\n";

    private static SqlStatement Second => MigrationSql.Split(Sql)[1];

    private static PostgresException Error(int position) =>
        new("syntax error at or near \"NUL\"", "ERROR", "ERROR", PostgresErrorCodes.SyntaxError, position: position);

    [Fact]
    public void The_line_is_moved_down_to_the_position_postgres_reports_within_the_statement()
    {
        var position = Second.Text.IndexOf("NUL", StringComparison.Ordinal) + 1; // PostgreSQL's positions count from 1

        Assert.Equal(3, Second.Line);
        Assert.Equal(4, MigrationRunner.LineOf(Second, Error(position)));
        Assert.Equal(5, MigrationRunner.LineOf(Second, Error(Second.Text.IndexOf("c int", StringComparison.Ordinal) + 1)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_000)]
    public void Without_a_usable_position_the_line_is_the_statements_first(int position) =>
        Assert.Equal(3, MigrationRunner.LineOf(Second, Error(position)));

    [Fact]
    public void A_failure_that_is_not_postgres_own_error_names_the_statements_first_line() =>
        Assert.Equal(3, MigrationRunner.LineOf(Second, null));
}
