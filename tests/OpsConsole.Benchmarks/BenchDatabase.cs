using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;

namespace OpsConsole.Benchmarks;

/// <summary>A private embedded PostgreSQL in a temp directory, migrated, with the console's owner/runtime role split.</summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private readonly DirectoryInfo _directory;
    private readonly bool _keep;

    private BenchDatabase(DirectoryInfo directory, bool keep, EmbeddedPostgres server, ConsoleConnectionStrings connections)
    {
        _directory = directory;
        _keep = keep;
        Server = server;
        Connections = connections;
    }

    public EmbeddedPostgres Server { get; }

    public ConsoleConnectionStrings Connections { get; }

    /// <summary>The directory holding the cluster (kept with --data): room next to it on the same disk, e.g. for dump files.</summary>
    public string DataDirectory => _directory.FullName;

    /// <param name="dataDirectory">
    /// A directory to keep the cluster in (created when missing, reused and migrated when it holds one, never deleted);
    /// null for a fresh temporary cluster that is deleted on dispose.
    /// </param>
    public static async Task<BenchDatabase> StartAsync(string? dataDirectory = null)
    {
        var directory = dataDirectory is null ? Directory.CreateTempSubdirectory("opsconsole-bench-") : Directory.CreateDirectory(dataDirectory);
        var server = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = directory.FullName, StartTimeout = TimeSpan.FromSeconds(60) }, NullLogger.Instance);
        var runtime = await ConsoleRuntimeRole.EnsureEmbeddedAsync(server.ConnectionString, directory.FullName, CancellationToken.None);
        var connections = new ConsoleConnectionStrings(runtime, server.ConnectionString);
        await new DatabaseMigrator(connections, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return new BenchDatabase(directory, dataDirectory is not null, server, connections);
    }

    /// <summary>
    /// CPU seconds used by this cluster so far: the postmaster and its live children (backends, WAL writer,
    /// checkpointer, …) from /proc, plus what exited children used (the postmaster's cutime/cstime). 0 when unreadable.
    /// </summary>
    public double ServerCpuSeconds()
    {
        try
        {
            var total = 0L;
            foreach (var (isPostmaster, fields) in ServerProcesses())
            {
                // utime, stime (and for the postmaster, its reaped children's cutime, cstime), in 1/100 s.
                total += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                if (isPostmaster)
                {
                    total += long.Parse(fields[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[14], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return total / 100.0;
        }
        catch (FormatException)
        {
            return 0;
        }
    }

    /// <summary>The postmaster and its children now (0 when unreadable).</summary>
    public int ServerProcessCount() => ServerProcesses().Count;

    /// <summary>
    /// Waits until at most <paramref name="count"/> server processes remain: a backend whose client has gone is
    /// counted in <see cref="ServerCpuSeconds"/> only once the postmaster has reaped it. False past the timeout (an
    /// autovacuum worker may have started meanwhile).
    /// </summary>
    public async Task<bool> WaitForServerProcessesAsync(int count, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (ServerProcessCount() > count)
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>/proc/PID/stat fields (after the command name) of the postmaster and its children.</summary>
    private List<(bool IsPostmaster, string[] Fields)> ServerProcesses()
    {
        var processes = new List<(bool, string[])>();
        try
        {
            var pidFile = Path.Combine(_directory.FullName, "postgres", "postmaster.pid");
            var postmaster = int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture);
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), System.Globalization.CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                var stat = Path.Combine(directory, "stat");
                string[] fields;
                try
                {
                    fields = File.ReadAllText(stat).Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                }
                catch (IOException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException)
                {
                    continue;
                }

                var parent = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                if (pid == postmaster || parent == postmaster)
                {
                    processes.Add((pid == postmaster, fields));
                }
            }

            return processes;
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        OpsConsole.Core.Data.NamedDataSources.ClearAll();
        await Server.DisposeAsync();
        if (_keep)
        {
            return;
        }

        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp directory.
        }
    }
}
