using OpsConsole.Core.Migrations;

namespace OpsConsole.Core.Tests.Migrations;

public sealed class MigrationSqlTests
{
    [Fact]
    public void Statements_split_on_semicolons_outside_strings_comments_and_dollar_quotes_with_their_lines()
    {
        const string sql = """
            -- a comment; not a statement
            CREATE TABLE t (id int, note text DEFAULT 'a;b');
            /* block; /* nested; */ still comment */
            INSERT INTO t VALUES (1, E'it\'s; fine');
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT "semi;colon" FROM t
            """;

        var statements = MigrationSql.Split(sql);

        Assert.Equal([2, 4, 5, 6], statements.Select(s => s.Line));
        Assert.StartsWith("CREATE TABLE t", statements[0].Text, StringComparison.Ordinal);
        Assert.Contains("E'it\\'s; fine'", statements[1].Text, StringComparison.Ordinal);
        Assert.Contains("$body$ SELECT 1; $body$", statements[2].Text, StringComparison.Ordinal);
        Assert.Equal(["SELECT", "\"IDENT\"", "FROM", "T"], statements[3].Words);
    }

    [Theory]
    [InlineData("CREATE INDEX ix ON orders (customer_id)", true, LockSeverity.Warning, "SHARE on the table")]
    [InlineData("create unique index ix on orders (id)", true, LockSeverity.Warning, "SHARE on the table")]
    [InlineData("CREATE INDEX CONCURRENTLY ix ON orders (customer_id)", true, LockSeverity.Refused, "cannot run in a transaction")]
    [InlineData("CREATE INDEX CONCURRENTLY ix ON orders (customer_id)", false, null, null)]
    [InlineData("ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2)", true, LockSeverity.Warning, "rewrites the table")]
    [InlineData("ALTER TABLE orders ALTER COLUMN note SET NOT NULL", true, LockSeverity.Warning, "scans the table")]
    [InlineData("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customers (id)", true, LockSeverity.Warning, "scans the table under lock")]
    [InlineData("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customers (id) NOT VALID", true, LockSeverity.Info, "briefly")]
    [InlineData("ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()", true, LockSeverity.Warning, "rewrites the table")]
    [InlineData("ALTER TABLE orders ADD COLUMN gift boolean NOT NULL DEFAULT false", true, LockSeverity.Info, "briefly")]
    [InlineData("ALTER TABLE orders VALIDATE CONSTRAINT fk", true, LockSeverity.Info, "SHARE UPDATE EXCLUSIVE")]
    [InlineData("VACUUM FULL orders", false, LockSeverity.Warning, "rewrites the table")]
    [InlineData("VACUUM orders", true, LockSeverity.Refused, "cannot run in a transaction")]
    [InlineData("DROP TABLE old_orders", true, LockSeverity.Warning, "destroys data")]
    [InlineData("INSERT INTO t VALUES (1)", true, null, null)]
    [InlineData("SELECT 'CREATE INDEX x ON y (z)'", true, null, null)]
    public void Strong_locks_are_flagged_and_concurrently_in_a_transaction_is_refused(string sql, bool transactional, LockSeverity? severity, string? lockWords)
    {
        var flags = MigrationSql.Flag(sql, transactional);
        if (severity is null)
        {
            Assert.Empty(flags);
            return;
        }

        var flag = Assert.Single(flags);
        Assert.Equal(severity, flag.Severity);
        Assert.Contains(lockWords!, flag.Lock, StringComparison.Ordinal);
        Assert.Equal(1, flag.Line);
    }

    [Fact]
    public void A_flag_names_the_line_its_statement_starts_on() =>
        Assert.Equal(3, Assert.Single(MigrationSql.Flag("SELECT 1;\n\nCREATE INDEX ix\n  ON t (a);", transactional: true)).Line);

    [Fact]
    public void The_non_transactional_marker_is_read_from_the_first_lines() =>
        Assert.Equal(
            (true, false),
            (MigrationSql.IsNonTransactional("-- opsconsole:no-transaction\nCREATE INDEX CONCURRENTLY ix ON t (a);"),
             MigrationSql.IsNonTransactional("CREATE INDEX CONCURRENTLY ix ON t (a);")));
}
