using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Tests.Hosting;

public class PostgresCommandBuilderTests
{
    private static readonly PostgresBinaries Binaries = new("/usr/lib/postgresql/15/bin");

    [Fact]
    public void Root_wraps_server_commands_in_runuser_as_postgres()
    {
        var builder = new PostgresCommandBuilder(Binaries, runAsPostgres: true, "/usr/sbin/runuser");

        var command = builder.Stop("/data/postgres", TimeSpan.FromSeconds(60));

        Assert.Equal("/usr/sbin/runuser", command.FileName);
        Assert.Equal(
            ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", "/data/postgres", "-m", "fast", "-w", "-t", "60", "stop"],
            command.Arguments);
    }

    [Fact]
    public void Immediate_stop_passes_mode_immediate_to_pg_ctl()
    {
        var builder = new PostgresCommandBuilder(Binaries, runAsPostgres: true, "/usr/sbin/runuser");

        var command = builder.Stop("/data/postgres", TimeSpan.FromSeconds(60), PostgresShutdownMode.Immediate);

        Assert.Equal(
            ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", "/data/postgres", "-m", "immediate", "-w", "-t", "60", "stop"],
            command.Arguments);
    }

    [Fact]
    public void Extra_initdb_arguments_come_after_the_consoles_own()
    {
        var builder = new PostgresCommandBuilder(Binaries, runAsPostgres: false);

        var command = builder.InitDb("/d", "/p", ["--wal-segsize=1", "--waldir=/w"]);

        Assert.Equal(["--no-instructions", "--wal-segsize=1", "--waldir=/w"], command.Arguments.TakeLast(3));
    }

    [Fact]
    public void Non_root_runs_programs_directly()
    {
        var builder = new PostgresCommandBuilder(Binaries, runAsPostgres: false);

        var command = builder.Start("/data/postgres", "/data/postgres.log", TimeSpan.FromSeconds(7.5));

        Assert.Equal("/usr/lib/postgresql/15/bin/pg_ctl", command.FileName);
        Assert.Equal(["-D", "/data/postgres", "-l", "/data/postgres.log", "-w", "-t", "8", "start"], command.Arguments);
    }

    [Fact]
    public void InitDb_uses_scram_utf8_and_password_file()
    {
        var builder = new PostgresCommandBuilder(Binaries, runAsPostgres: false);

        var command = builder.InitDb("/data/my cluster", "/data/.pw");

        Assert.Equal("/usr/lib/postgresql/15/bin/initdb", command.FileName);
        Assert.Equal(
            [
                "-D", "/data/my cluster", "-U", "opsconsole", "--pwfile=/data/.pw",
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions",
            ],
            command.Arguments);
    }

    [Fact]
    public void Root_initdb_keeps_arguments_after_the_separator()
    {
        var builder = new PostgresCommandBuilder(Binaries, runAsPostgres: true, "runuser");

        var command = builder.InitDb("/d", "/p");

        Assert.Equal("runuser", command.FileName);
        Assert.Equal(["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/initdb", "-D", "/d"], command.Arguments.Take(6));
    }

    [Fact]
    public void Chown_is_never_wrapped_and_supports_recursion()
    {
        Assert.Equal(["-R", "postgres:postgres", "--", "/d"], PostgresCommandBuilder.Chown(true, "/d").Arguments);
        Assert.Equal(["postgres:postgres", "--", "/a", "/b"], PostgresCommandBuilder.Chown(false, "/a", "/b").Arguments);
        Assert.Equal("chown", PostgresCommandBuilder.Chown(false, "/a").FileName);
    }

    [Fact]
    public void Minimum_timeout_is_one_second()
    {
        var builder = new PostgresCommandBuilder(Binaries, runAsPostgres: false);

        var args = builder.Stop("/d", TimeSpan.Zero).Arguments.ToList();

        Assert.Equal("1", args[args.IndexOf("-t") + 1]);
    }
}
