using Npgsql;
using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Tests.Backups.Engine;

public sealed class PgToolEnvironmentTests
{
    [Fact]
    public void Credentials_go_in_the_environment_and_inherited_libpq_settings_are_removed()
    {
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = "/usr/bin",
            ["PGDATA"] = "/var/lib/postgresql",
            ["PGOPTIONS"] = "-c statement_timeout=1",
            ["PGSERVICE"] = "prod",
            ["PGHOST"] = "elsewhere",
        };

        PgToolEnvironment.Apply(environment, new NpgsqlConnectionStringBuilder("Host=db;Port=5433;Username=backup;Password=pw;Database=shop;SSL Mode=Require;Timeout=9"));

        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["PATH"] = "/usr/bin",
                ["PGHOST"] = "db",
                ["PGPORT"] = "5433",
                ["PGUSER"] = "backup",
                ["PGPASSWORD"] = "pw",
                ["PGSSLMODE"] = "require",
                ["PGCONNECT_TIMEOUT"] = "9",
                ["PGAPPNAME"] = "opsconsole-backup",
            },
            environment);
    }

    [Theory]
    [InlineData("a:5433,b", 5432, "a,b", "5433,5432")]
    [InlineData("::1", 5432, "::1", "5432")]
    [InlineData("[::1]:5433", 5432, "::1", "5433")]
    [InlineData("/var/run/postgresql", 5432, "/var/run/postgresql", "5432")]
    public void Npgsql_host_lists_become_libpq_lists(string host, int port, string hosts, string ports) =>
        Assert.Equal((hosts, ports), PgToolEnvironment.SplitHosts(host, port));

    [Theory]
    [InlineData("shop", "dbname='shop'")]
    [InlineData("host=evil dbname=x", "dbname='host=evil dbname=x'")]
    [InlineData("it's\\odd", "dbname='it\\'s\\\\odd'")]
    public void The_database_argument_is_a_quoted_conninfo(string database, string argument) =>
        Assert.Equal(argument, PgToolEnvironment.DatabaseArgument(database));

    [Fact]
    public void A_full_disk_is_recognized_by_errno_or_words()
    {
        Assert.True(PgDump.IsDiskFull(new IOException("No space left on device : '/backups/x.dump.partial'", 28)));
        Assert.True(PgDump.IsDiskFull(new IOException("Disk quota exceeded", 122)));
        Assert.False(PgDump.IsDiskFull(new IOException("Permission denied", 13)));
    }
}
