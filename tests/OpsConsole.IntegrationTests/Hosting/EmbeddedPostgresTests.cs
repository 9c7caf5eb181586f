using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsConsole.Core.Hosting;

namespace OpsConsole.IntegrationTests.Hosting;

/// <summary>Starts real PostgreSQL clusters of its own (needs the server binaries; as root also the postgres account).</summary>
public sealed class EmbeddedPostgresTests : IDisposable
{
    private readonly DirectoryInfo dataDirectory = Directory.CreateTempSubdirectory("opsconsole-pg-");
    private readonly ListLogger logger = new();

    private EmbeddedPostgresOptions Options => new() { DataDirectory = dataDirectory.FullName, StartTimeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        try
        {
            dataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a failed test may leave a server behind; the temp dir is disposable anyway.
        }
    }

    [Fact]
    public async Task First_start_creates_the_cluster_and_a_second_start_reuses_it()
    {
        int port;
        await using (var first = await EmbeddedPostgres.StartAsync(Options, logger))
        {
            Assert.True(first.CreatedNewCluster);
            Assert.Equal(Path.Combine(dataDirectory.FullName, "postgres"), first.ClusterDirectory);
            Assert.Equal("opsconsole", await ScalarAsync(first.ConnectionString, "SELECT current_database()"));

            var connectionStringFile = Path.Combine(dataDirectory.FullName, "connection-string");
            Assert.Equal(first.ConnectionString, (await File.ReadAllTextAsync(connectionStringFile)).Trim());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, UnixEnvironment.GetMode(connectionStringFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, UnixEnvironment.GetMode(Path.Combine(dataDirectory.FullName, "postgres-password")));
            Assert.Empty(Directory.GetFiles(dataDirectory.FullName, ".initdb-pwfile-*"));
            port = first.Port;

            await first.StopAsync();
            await first.StopAsync();
            Assert.False(File.Exists(Path.Combine(first.ClusterDirectory, "postmaster.pid")));
        }

        await using var second = await EmbeddedPostgres.StartAsync(Options, logger);
        Assert.False(second.CreatedNewCluster);
        Assert.Equal(port, second.Port);
        Assert.Equal(1, await ScalarAsync(second.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Postmaster_left_by_a_killed_console_is_stopped_and_the_cluster_restarted()
    {
        var first = await EmbeddedPostgres.StartAsync(Options, logger);
        var orphanPid = ReadPostmasterPid(first.ClusterDirectory);

        // What a SIGKILLed console leaves behind: a running postmaster and no lock holder.
        first.Abandon();

        await using var second = await EmbeddedPostgres.StartAsync(Options, logger);
        Assert.False(second.CreatedNewCluster);
        Assert.NotEqual(orphanPid, ReadPostmasterPid(second.ClusterDirectory));
        Assert.Contains(logger.Messages, m => m.Contains("orphaned", StringComparison.OrdinalIgnoreCase));
        Assert.False(File.Exists($"/proc/{orphanPid}/cmdline") && (await File.ReadAllTextAsync($"/proc/{orphanPid}/cmdline")).Length > 0);
        Assert.Equal(1, await ScalarAsync(second.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Stale_pid_file_of_an_unrelated_process_is_deleted()
    {
        await using (var first = await EmbeddedPostgres.StartAsync(Options, logger))
        {
            await first.StopAsync();
        }

        // Our own (non-postgres) PID stands in for a PID reused after a reboot or container restart.
        var pidFile = Path.Combine(dataDirectory.FullName, "postgres", "postmaster.pid");
        await File.WriteAllTextAsync(pidFile, $"{Environment.ProcessId}\n{Path.GetDirectoryName(pidFile)}\n0\n5432\n\n127.0.0.1\n");

        await using var second = await EmbeddedPostgres.StartAsync(Options, logger);
        Assert.Contains(logger.Messages, m => m.Contains("stale", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(1, await ScalarAsync(second.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task StopServer_and_StartServer_keep_the_port()
    {
        await using var pg = await EmbeddedPostgres.StartAsync(Options, logger);
        var port = pg.Port;

        await pg.StopServerAsync();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(pg.ConnectionString, "SELECT 1"));

        await pg.StartServerAsync();
        Assert.Equal(port, pg.Port);
        Assert.Equal(1, await ScalarAsync(pg.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Second_console_on_the_same_data_directory_is_refused_without_disturbing_the_first()
    {
        await using var pg = await EmbeddedPostgres.StartAsync(Options, logger);

        var ex = await Assert.ThrowsAsync<DataDirectoryInUseException>(() => EmbeddedPostgres.StartAsync(Options, logger));

        Assert.Contains("in use", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, await ScalarAsync(pg.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Custom_database_name_is_created()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = dataDirectory.FullName, DatabaseName = "Ops \"Test\"", WriteConnectionStringFile = false };

        await using var pg = await EmbeddedPostgres.StartAsync(options, logger);

        Assert.Equal("Ops \"Test\"", await ScalarAsync(pg.ConnectionString, "SELECT current_database()"));
        Assert.False(File.Exists(Path.Combine(dataDirectory.FullName, "connection-string")));
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        // No pooling: a pooled connection would survive StopServerAsync and hide the outage.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static int ReadPostmasterPid(string clusterDirectory)
    {
        var info = PostmasterPidFile.Parse(File.ReadAllText(Path.Combine(clusterDirectory, "postmaster.pid")));
        Assert.NotNull(info);
        return info.ProcessId;
    }

    private sealed class ListLogger : ILogger
    {
        private readonly ConcurrentQueue<string> messages = new();

        public IReadOnlyCollection<string> Messages => messages;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            messages.Enqueue(formatter(state, exception));
        }
    }
}
