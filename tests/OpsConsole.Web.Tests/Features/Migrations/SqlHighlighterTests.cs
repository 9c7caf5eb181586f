using System.Text.RegularExpressions;
using OpsConsole.Web.Features.Migrations;

namespace OpsConsole.Web.Tests.Features.Migrations;

public sealed partial class SqlHighlighterTests
{
    [Fact]
    public void Keywords_strings_and_comments_are_coloured_and_a_comment_over_lines_keeps_its_colour_on_each()
    {
        var lines = SqlHighlighter.Lines("ALTER TABLE t ADD COLUMN c text DEFAULT 'x';\n/* one\ntwo */\nSELECT 1;\n");

        Assert.Equal(["ALTER TABLE t ADD COLUMN c text DEFAULT 'x';", "/* one", "two */", "SELECT 1;"], lines.Select(l => l.Text));
        Assert.Equal([1, 2, 3, 4], lines.Select(l => l.Number));
        Assert.Contains("<span class=\"keyword\">ALTER</span>", lines[0].Html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"string\">", lines[0].Html, StringComparison.Ordinal);
        // The comment's span is closed at the end of line 2 and opened again on line 3: each line is whole HTML.
        Assert.Equal("<span class=\"comment\">/* one</span>", lines[1].Html);
        Assert.Equal("<span class=\"comment\">two */</span>", lines[2].Html);
        Assert.All(lines, l => Assert.Equal(Opens().Count(l.Html), Closes().Count(l.Html)));
    }

    [Theory]
    [InlineData("SELECT 1;\r\nSELECT 2;\r\n", new[] { "SELECT 1;", "SELECT 2;" })]
    [InlineData("SELECT 1;\n\n\nSELECT 2;", new[] { "SELECT 1;", "", "", "SELECT 2;" })]
    [InlineData("", new[] { "" })]
    [InlineData("\n", new[] { "" })]
    public void Lines_follow_the_source(string sql, string[] expected)
    {
        Assert.Equal(expected, SqlHighlighter.Lines(sql).Select(l => l.Text));
    }

    [Fact]
    public void Markup_in_the_sql_is_escaped()
    {
        var line = Assert.Single(SqlHighlighter.Lines("SELECT '<b>' || \"<i>\" -- & </span>"));

        Assert.DoesNotContain("<b>", line.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", line.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;", line.Html, StringComparison.Ordinal);
        Assert.Contains("&amp;", line.Html, StringComparison.Ordinal);
        Assert.Equal(Opens().Count(line.Html), Closes().Count(line.Html));
    }

    [GeneratedRegex("<span class=\"[A-Za-z]+\">")]
    private static partial Regex Opens();

    [GeneratedRegex("</span>")]
    private static partial Regex Closes();
}
