using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Tests.Hosting;

public class PostgresBinaryLocatorTests
{
    private static readonly string[] AllPrograms = ["initdb", "pg_ctl", "postgres"];

    private static Func<string, bool> FilesIn(params string[] directories)
    {
        var files = directories.SelectMany(d => AllPrograms.Select(p => Path.Combine(d, p))).ToHashSet(StringComparer.Ordinal);
        return files.Contains;
    }

    private static Func<string, IEnumerable<string>> Subdirectories(string root, params string[] names) =>
        r => r == root ? names.Select(n => Path.Combine(root, n)) : [];

    [Fact]
    public void Path_entry_with_all_three_programs_wins_over_fallback()
    {
        var result = PostgresBinaryLocator.Locate(
            "/usr/bin:/usr/local/bin",
            ["/usr/lib/postgresql"],
            FilesIn("/usr/local/bin", "/usr/lib/postgresql/16/bin"),
            Subdirectories("/usr/lib/postgresql", "16"));

        Assert.Equal("/usr/local/bin", result.BinDirectory);
        Assert.Equal("/usr/local/bin/initdb", result.InitDb);
        Assert.Equal("/usr/local/bin/pg_ctl", result.PgCtl);
        Assert.Equal("/usr/local/bin/postgres", result.Postgres);
    }

    [Fact]
    public void Path_entry_missing_one_program_is_skipped()
    {
        // Debian's postgresql-client puts a pg_ctl wrapper on PATH without initdb/postgres.
        var files = new HashSet<string>(StringComparer.Ordinal) { "/usr/bin/pg_ctl", "/usr/bin/initdb" };
        var fallback = FilesIn("/usr/lib/postgresql/15/bin");

        var result = PostgresBinaryLocator.Locate(
            "/usr/bin",
            ["/usr/lib/postgresql"],
            f => files.Contains(f) || fallback(f),
            Subdirectories("/usr/lib/postgresql", "15"));

        Assert.Equal("/usr/lib/postgresql/15/bin", result.BinDirectory);
    }

    [Fact]
    public void Relative_path_entries_are_ignored()
    {
        var result = PostgresBinaryLocator.Locate(
            ".:bin:/opt/pg/bin",
            [],
            FilesIn(".", "bin", "/opt/pg/bin"),
            _ => []);

        Assert.Equal("/opt/pg/bin", result.BinDirectory);
    }

    [Fact]
    public void Fallback_chooses_highest_numeric_version()
    {
        var result = PostgresBinaryLocator.Locate(
            "/usr/bin",
            ["/usr/lib/postgresql"],
            FilesIn("/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"),
            Subdirectories("/usr/lib/postgresql", "9.6", "16", "15", "lib"));

        Assert.Equal("/usr/lib/postgresql/16/bin", result.BinDirectory);
    }

    [Fact]
    public void Fallback_skips_newest_version_without_server_programs()
    {
        // Only the client package of 17 installed: its bin has no initdb/postgres.
        var result = PostgresBinaryLocator.Locate(
            null,
            ["/usr/lib/postgresql"],
            FilesIn("/usr/lib/postgresql/15/bin"),
            Subdirectories("/usr/lib/postgresql", "15", "17"));

        Assert.Equal("/usr/lib/postgresql/15/bin", result.BinDirectory);
    }

    [Theory]
    [InlineData("15", 15, 0)]
    [InlineData("9.6", 9, 6)]
    public void ParseVersion_is_numeric(string name, int major, int minor)
    {
        Assert.Equal(new Version(major, minor), PostgresBinaryLocator.ParseVersion(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("lib")]
    [InlineData("15beta")]
    [InlineData("..")]
    public void ParseVersion_rejects_non_versions(string name)
    {
        Assert.Null(PostgresBinaryLocator.ParseVersion(name));
    }

    [Fact]
    public void Nothing_found_throws_one_line_message_with_install_hint()
    {
        var ex = Assert.Throws<PostgresBinariesNotFoundException>(() => PostgresBinaryLocator.Locate(
            "/usr/bin:/bin",
            ["/usr/lib/postgresql"],
            _ => false,
            Subdirectories("/usr/lib/postgresql", "15")));

        Assert.Contains("apt-get install postgresql", ex.Message, StringComparison.Ordinal);
        Assert.Contains("/usr/lib/postgresql/*/bin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Console", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Default_message_names_install_command()
    {
        Assert.Contains("apt-get install postgresql", new PostgresBinariesNotFoundException().Message, StringComparison.Ordinal);
    }
}
