using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Tests.Backups.Engine;

/// <summary>Locating pg_dump and pg_restore over a fake file system: PATH first, then the newest versioned directory.</summary>
public sealed class PgClientToolsTests
{
    private static readonly string[] Roots = ["/usr/lib/postgresql"];

    private static PgClientTools Locate(string? path, string[] files, string? directory = null, PgVersion? server = null) =>
        PgClientTools.Locate(
            directory,
            server,
            path,
            Roots,
            files.Contains,
            root => root == "/usr/lib/postgresql" ? ["/usr/lib/postgresql/9.6", "/usr/lib/postgresql/15", "/usr/lib/postgresql/16", "/usr/lib/postgresql/notes"] : []);

    [Fact]
    public void Path_comes_first()
    {
        var tools = Locate("relative:/opt/pg/bin:/usr/bin", ["/usr/bin/pg_dump", "/usr/bin/pg_restore", "/usr/lib/postgresql/16/bin/pg_dump", "/usr/lib/postgresql/16/bin/pg_restore"]);

        Assert.Equal("/usr/bin", tools.Directory);
        Assert.Equal("/usr/bin/pg_dump", tools.PgDump);
        Assert.Equal("/usr/bin/pg_restore", tools.PgRestore);
    }

    [Fact]
    public void Then_the_newest_versioned_directory_holding_both()
    {
        var tools = Locate("/usr/bin", ["/usr/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_restore", "/usr/lib/postgresql/16/bin/pg_dump", "/usr/lib/postgresql/9.6/bin/pg_dump", "/usr/lib/postgresql/9.6/bin/pg_restore"]);

        Assert.Equal("/usr/lib/postgresql/15/bin", tools.Directory); // 16 lacks pg_restore; 15 > 9.6 numerically
    }

    [Fact]
    public void A_configured_directory_is_the_only_place_looked_at()
    {
        var failure = Assert.Throws<BackupFailedException>(() => Locate("/usr/bin", ["/usr/bin/pg_dump", "/usr/bin/pg_restore", "/opt/pg/pg_dump"], directory: "/opt/pg", server: PgVersion.FromServerVersionNum(160004)));

        Assert.Equal(BackupFailure.ToolMissing, failure.Reason);
        Assert.Equal("pg_restore was not found in /opt/pg (the configured directory); install postgresql-client-16 or correct the directory", failure.Message);
        Assert.Equal("/opt/pg", Locate(null, ["/opt/pg/pg_dump", "/opt/pg/pg_restore"], directory: "/opt/pg").Directory);
    }

    [Fact]
    public void Nothing_found_names_where_it_looked_and_the_package_to_install()
    {
        var failure = Assert.Throws<BackupFailedException>(() => Locate("/usr/bin", [], server: PgVersion.FromServerVersionNum(160004)));

        Assert.Equal(BackupFailure.ToolMissing, failure.Reason);
        Assert.Equal("pg_dump and pg_restore were not found on PATH or under /usr/lib/postgresql; install postgresql-client-16", failure.Message);
    }

    [Fact]
    public void Without_the_server_version_the_package_is_described() =>
        Assert.Contains("postgresql-client-<major>", Assert.Throws<BackupFailedException>(() => Locate(null, [])).Message, StringComparison.Ordinal);
}
