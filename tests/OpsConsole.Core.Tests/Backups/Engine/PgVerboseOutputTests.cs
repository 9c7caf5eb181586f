using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Tests.Backups.Engine;

public sealed class PgVerboseOutputTests
{
    [Theory]
    [InlineData("pg_dump: dumping contents of table \"public.orders\"", "public.orders")]
    [InlineData("pg_dump: dumping contents of table \"My Schema.we ird.x\"", "My Schema.we ird.x")]
    [InlineData("pg_restore: processing data for table \"public.orders\"", "public.orders")]
    public void Finds_the_table_being_copied(string line, string table) => Assert.Equal(table, PgVerboseOutput.TableOf(line));

    [Theory]
    [InlineData("pg_dump: reading extensions")]
    [InlineData("pg_dump: saving encoding = UTF8")]
    [InlineData("pg_restore: creating TABLE \"public.orders\"")]
    [InlineData("pg_restore: executing SEQUENCE SET s")]
    [InlineData("pg_dump: dumping contents of table \"\"")]
    public void Other_lines_name_no_table(string line) => Assert.Null(PgVerboseOutput.TableOf(line));

    [Theory]
    [InlineData("pg_dump: error: query failed: ERROR:  permission denied for table orders", true, false)]
    [InlineData("pg_dump: error: connection to server at \"127.0.0.1\", port 1 failed: FATAL:  password authentication failed", true, false)]
    [InlineData("pg_restore: warning: errors ignored on restore: 1", false, true)]
    [InlineData("pg_dump: dumping contents of table \"public.errors\"", false, false)]
    public void Tells_errors_and_warnings_from_chatter(string line, bool error, bool warning)
    {
        Assert.Equal(error, PgVerboseOutput.IsError(line));
        Assert.Equal(warning, PgVerboseOutput.IsWarning(line));
    }

    [Fact]
    public void Recognizes_a_full_disk()
    {
        Assert.True(PgVerboseOutput.MentionsDiskFull("pg_dump: error: could not write to output file: No space left on device"));
        Assert.False(PgVerboseOutput.MentionsDiskFull("pg_dump: error: could not write to output file: Broken pipe"));
    }

    [Fact]
    public void Progress_weighs_each_table_and_counts_the_ones_before_as_done()
    {
        var progress = new TableProgress([KeyValuePair.Create("public.big", 97L), KeyValuePair.Create("public.small", 0L), KeyValuePair.Create("public.empty", 0L)]);

        Assert.Equal(0.0, progress.Start("public.big"));
        Assert.Equal(0.98, progress.Start("public.small"), 3); // big (97 + 1) of 100 units done
        Assert.Equal(0.99, progress.Start("public.empty"), 3);
    }

    [Fact]
    public void Progress_ignores_unknown_and_repeated_tables()
    {
        var progress = new TableProgress([KeyValuePair.Create("public.a", 9L), KeyValuePair.Create("public.b", 9L)]);

        Assert.Equal(0.0, progress.Start("public.unknown"));
        Assert.Equal(0.0, progress.Start("public.a"));
        Assert.Equal(0.5, progress.Start("public.a"), 3);
        Assert.Equal(0.5, progress.Start("public.b"), 3); // a counted once
    }

    [Fact]
    public void Progress_of_no_tables_is_zero() => Assert.Equal(0.0, new TableProgress([]).Start("public.x"));
}
