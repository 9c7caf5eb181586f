using OpsConsole.Core.Migrations;
using OpsConsole.Web.Features.Migrations;

namespace OpsConsole.Web.Tests.Features.Migrations;

public sealed class SqlViewTests : MigrationsTestBed
{
    [Fact]
    public void Flagged_lines_carry_their_worst_severity_and_the_flags_are_listed_in_words()
    {
        const string sql = """
            -- two statements
            ALTER TABLE shop.orders ALTER COLUMN total TYPE numeric(12, 2);
            CREATE INDEX orders_placed_idx
                ON shop.orders (placed_at);
            """;
        IReadOnlyList<MigrationFlagView> flags =
        [
            new(2, LockSeverity.Warning, "ACCESS EXCLUSIVE", "a type change rewrites the table"),
            new(3, LockSeverity.Info, "SHARE", "blocks writes while the index builds"),
            new(3, LockSeverity.Refused, "SHARE", "CREATE INDEX without CONCURRENTLY on a hot table"),
        ];

        var cut = Render<SqlView>(p => p.Add(x => x.Sql, sql).Add(x => x.Flags, flags));

        Assert.Equal(["1", "2", "3", "4"], cut.FindAll("[data-testid=sql-line]").Select(l => l.GetAttribute("data-line")));
        Assert.Equal([null, "warning", "refused", null], cut.FindAll("[data-testid=sql-line]").Select(l => l.GetAttribute("data-flag")));
        Assert.Equal(["2", "3", "3"], cut.FindAll("[data-testid=sql-flag]").Select(f => f.GetAttribute("data-line")));
        Assert.Contains("a type change rewrites the table", cut.FindAll("[data-testid=sql-flag]")[0].TextContent, StringComparison.Ordinal);
        // The code reads as written, line by line.
        Assert.Equal("    ON shop.orders (placed_at);", cut.FindAll("[data-testid=sql-line] .mg-text")[3].TextContent);
    }

    [Fact]
    public void The_line_a_run_failed_at_is_marked()
    {
        var cut = Render<SqlView>(p => p.Add(x => x.Sql, "SELECT 1;\nSELECT 1/0;\nSELECT 3;").Add(x => x.FailedLine, 2));

        Assert.Equal([null, "true", null], cut.FindAll("[data-testid=sql-line]").Select(l => l.GetAttribute("data-failed")));
    }

    [Fact]
    public void Html_in_the_sql_is_shown_as_text_never_as_markup()
    {
        const string sql = "COMMENT ON TABLE shop.notes IS '<script>alert(\"x\")</script>';\n"
            + "-- </span><img src=x onerror=alert(1)> & more\n"
            + "SELECT 1 WHERE 'a' < 'b' AND \"q\" > 0;";

        var cut = Render<SqlView>(p => p.Add(x => x.Sql, sql));

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        var lines = cut.FindAll("[data-testid=sql-line] .mg-text").Select(l => l.TextContent).ToList();
        Assert.Equal(sql.Split('\n'), lines);
        Assert.Contains("&lt;script&gt;", cut.Markup, StringComparison.Ordinal);
    }
}
