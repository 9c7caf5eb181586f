using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Tests.Backups.Engine;

public sealed class PgVersionTests
{
    [Theory]
    [InlineData("pg_dump (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)", 15, 10, "15.10")]
    [InlineData("pg_dump (PostgreSQL) 16.4\n", 16, 4, "16.4")]
    [InlineData("pg_restore (PostgreSQL) 9.6.24", 9, 6, "9.6.24")]
    [InlineData("pg_dump (PostgreSQL) 17beta1", 17, 0, "17beta1")]
    [InlineData("pg_dump (PostgreSQL) 16devel", 16, 0, "16devel")]
    public void Reads_the_shapes_pg_dump_version_prints(string output, int major, int minor, string text)
    {
        Assert.True(PgVersion.TryParseToolVersion(output, out var version));
        Assert.Equal(new PgVersion(major, minor, text), version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pg_dump: command not found")]
    [InlineData("psql (PostgreSQL)")]
    [InlineData("mysqldump  Ver 10.19 Distrib 10.11.6-MariaDB")]
    public void Output_without_a_postgresql_version_is_not_a_version(string output)
    {
        Assert.False(PgVersion.TryParseToolVersion(output, out var version));
        Assert.Null(version);
    }

    [Theory]
    [InlineData(160004, null, 16, 4, "16.4", "16")]
    [InlineData(150018, "15.18 (Debian 15.18-0+deb12u1)", 15, 18, "15.18", "15")]
    [InlineData(90624, null, 9, 6, "9.6.24", "9.6")]
    [InlineData(170000, "17beta1", 17, 0, "17beta1", "17")]
    public void Reads_server_version_num(int versionNum, string? text, int major, int minor, string shown, string releaseLine)
    {
        var version = PgVersion.FromServerVersionNum(versionNum, text);

        Assert.Equal(new PgVersion(major, minor, shown), version);
        Assert.Equal(releaseLine, version.ReleaseLine);
    }

    [Fact]
    public void An_older_pg_dump_is_refused_naming_both_versions_and_the_package()
    {
        var refusal = PgVersionCheck.Refusal(new PgVersion(15, 10, "15.10"), PgVersion.FromServerVersionNum(160004));

        Assert.Equal("pg_dump 15.10 cannot dump a PostgreSQL 16.4 server: install postgresql-client-16 or newer", refusal);
        var thrown = Assert.Throws<BackupFailedException>(() => PgVersionCheck.EnsureCanDump(new PgVersion(15, 10, "15.10"), PgVersion.FromServerVersionNum(160004)));
        Assert.Equal(BackupFailure.VersionMismatch, thrown.Reason);
        Assert.Equal(refusal, thrown.Message);
    }

    [Theory]
    [InlineData(15, 2, 150018)] // same major, older minor: fine, minors never change the dump format
    [InlineData(16, 1, 150018)]
    [InlineData(15, 0, 90624)] // 9.6 is an older release line than 10+
    public void A_pg_dump_of_the_same_or_a_newer_major_may_dump(int major, int minor, int serverVersionNum)
    {
        Assert.Null(PgVersionCheck.Refusal(new PgVersion(major, minor, $"{major}.{minor}"), PgVersion.FromServerVersionNum(serverVersionNum)));
    }

    [Fact]
    public void Release_lines_before_10_compare_by_both_numbers()
    {
        Assert.Equal(
            "pg_dump 9.5.25 cannot dump a PostgreSQL 9.6.24 server: install postgresql-client-9.6 or newer",
            PgVersionCheck.Refusal(new PgVersion(9, 5, "9.5.25"), PgVersion.FromServerVersionNum(90624)));
    }
}
