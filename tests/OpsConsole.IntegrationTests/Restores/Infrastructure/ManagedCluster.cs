using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsConsole.Core.Hosting;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Restores.Infrastructure;

/// <summary>
/// A second real PostgreSQL cluster standing in for a managed database server, separate from the console's own
/// (<see cref="PostgresFixture"/>), so fault tests can crash it, restart it or fill its disk. Started by the console's
/// launcher on a free port; the superuser is the launcher's (<c>opsconsole</c>).
/// </summary>
public sealed class ManagedCluster : IAsyncDisposable
{
    private const string FillerFileName = "disk-filler";
    private const int FillChunkBytes = 1024 * 1024;

    private static readonly IReadOnlyDictionary<string, string> EmptySettings = new Dictionary<string, string>();

    private readonly DirectoryInfo root;
    private readonly string? tmpfsMount;
    private readonly EmbeddedPostgres server;
    private bool disposed;

    private ManagedCluster(DirectoryInfo root, string? tmpfsMount, EmbeddedPostgres server)
    {
        this.root = root;
        this.tmpfsMount = tmpfsMount;
        this.server = server;
    }

    public int Port => server.Port;

    /// <summary>The cluster's data directory (PGDATA); on the tmpfs for <see cref="StartOnTmpfsAsync"/>.</summary>
    public string ClusterDirectory => server.ClusterDirectory;

    /// <summary>The server log; after <see cref="StopImmediateAsync"/> the next start logs its crash recovery here.</summary>
    public string LogFile => server.LogFile;

    public bool IsRunning { get; private set; }

    /// <summary>A cluster on the ordinary disk.</summary>
    public static async Task<ManagedCluster> StartAsync(CancellationToken ct = default)
    {
        var root = CreateRoot();
        try
        {
            var server = await EmbeddedPostgres.StartAsync(Options(Path.Combine(root.FullName, "data"), [], EmptySettings), NullLogger.Instance, ct);
            return new ManagedCluster(root, tmpfsMount: null, server) { IsRunning = true };
        }
        catch
        {
            DeleteQuietly(root);
            throw;
        }
    }

    /// <summary>
    /// A cluster whose data directory is a tmpfs of <paramref name="sizeMb"/> MB (needs root, for mount), so a test can
    /// make its disk full. The empty cluster uses about 22 MB of it; <see cref="SampleData"/> with 30,000 rows adds about
    /// 21 MB (pg_database_size 26 MB), so a 64 MB tmpfs holds that database once (about 20 MB left) but not twice.
    /// By default the WAL lives outside the tmpfs: a full data disk then fails statements with 53100 (disk_full), as on
    /// a full data volume. <paramref name="walOnTmpfs"/> puts 1 MB WAL segments (about 4 MB kept, some 5 MB more used)
    /// on the tmpfs too: then a full disk PANICs the server ("could not write to file pg_wal/xlogtemp") and its crash
    /// recovery cannot finish until space is freed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tmpfs could not be mounted (not root).</exception>
    public static async Task<ManagedCluster> StartOnTmpfsAsync(int sizeMb, bool walOnTmpfs = false, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeMb, 1);
        var root = CreateRoot();
        var mount = root.CreateSubdirectory("data").FullName;
        var (exit, _, error) = await ToolProcess.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={sizeMb}m,mode=0711", "tmpfs", mount]);
        if (exit != 0)
        {
            DeleteQuietly(root);
            throw new InvalidOperationException(
                $"ManagedCluster.StartOnTmpfsAsync mounts a {sizeMb} MB tmpfs at {mount} and needs root for it (mount exited with {exit}): {error.Trim()}");
        }

        try
        {
            string[] initDb;
            IReadOnlyDictionary<string, string> settings;
            if (walOnTmpfs)
            {
                initDb = ["--wal-segsize=1"];
                settings = new Dictionary<string, string> { ["min_wal_size"] = "2MB", ["max_wal_size"] = "4MB" };
            }
            else
            {
                var wal = root.CreateSubdirectory("wal").FullName;
                if (UnixEnvironment.IsRoot())
                {
                    // initdb runs as postgres and must own an existing --waldir.
                    await RunCheckedAsync("chown", ["postgres:postgres", wal]);
                }

                initDb = ["--waldir=" + wal];
                settings = EmptySettings;
            }

            var server = await EmbeddedPostgres.StartAsync(Options(mount, initDb, settings), NullLogger.Instance, ct);
            return new ManagedCluster(root, mount, server) { IsRunning = true };
        }
        catch
        {
            await ToolProcess.RunAsync("umount", [mount]);
            DeleteQuietly(root);
            throw;
        }
    }

    /// <summary>The superuser on <paramref name="database"/>, unpooled: no pooled connection survives a crash of this cluster.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database, Pooling = false }.ConnectionString;

    /// <summary><c>pg_ctl stop -m immediate</c>: the server dies like a crash (no checkpoint); returns once it is gone.</summary>
    public async Task StopImmediateAsync(CancellationToken ct = default)
    {
        await server.StopServerAsync(PostgresShutdownMode.Immediate, ct);
        IsRunning = false;
    }

    /// <summary>Starts the server again on the same port; returns once crash recovery is done and it accepts connections.</summary>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        await server.StartServerAsync(ct);
        IsRunning = true;
    }

    /// <summary>Free bytes on the tmpfs as an unprivileged writer sees them.</summary>
    public long FreeBytes() => new DriveInfo(RequireTmpfs()).AvailableFreeSpace;

    /// <summary>
    /// Writes a filler file on the tmpfs until only <paramref name="leaveBytes"/> (rounded to a 4 KB page) stay free.
    /// Can be called again to fill further; <see cref="FreeDisk"/> deletes the filler.
    /// </summary>
    public async Task FillDiskAsync(long leaveBytes = 0, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leaveBytes);
        var mount = RequireTmpfs();
        var toWrite = FreeBytes() - leaveBytes;
        if (toWrite < 0)
        {
            throw new InvalidOperationException($"Only {FreeBytes()} bytes are free on {mount}; cannot leave {leaveBytes}.");
        }

        // Real writes: tmpfs would not reserve pages for a sparse SetLength. Unbuffered, so a full disk shows at the write.
        var chunk = new byte[FillChunkBytes];
        await using var filler = new FileStream(Path.Combine(mount, FillerFileName), FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        while (toWrite > 0)
        {
            var count = (int)Math.Min(chunk.Length, toWrite);
            try
            {
                await filler.WriteAsync(chunk.AsMemory(0, count), ct);
            }
            catch (IOException) when (FreeBytes() <= leaveBytes)
            {
                // The server wrote something meanwhile (statistics, a temp file); the disk is as full as asked.
                return;
            }

            toWrite -= count;
        }
    }

    /// <summary>Deletes the filler written by <see cref="FillDiskAsync"/>; a no-op when there is none.</summary>
    public void FreeDisk() => File.Delete(Path.Combine(RequireTmpfs(), FillerFileName));

    /// <summary>Stops the server (if running), unmounts the tmpfs and deletes the directories.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        // Immediate: the data is thrown away, and a server stuck in crash recovery on a full disk ignores a fast stop.
        await server.StopServerAsync(PostgresShutdownMode.Immediate);
        await server.DisposeAsync();
        if (tmpfsMount is not null)
        {
            var (exit, _, error) = await ToolProcess.RunAsync("umount", [tmpfsMount]);
            if (exit != 0)
            {
                throw new InvalidOperationException($"Could not unmount the test tmpfs {tmpfsMount}: {error.Trim()}");
            }
        }

        DeleteQuietly(root);
    }

    private static EmbeddedPostgresOptions Options(string dataDirectory, string[] initDb, IReadOnlyDictionary<string, string> settings) => new()
    {
        DataDirectory = dataDirectory,
        // "postgres" exists after initdb, so the launcher creates no extra database (which would cost ~8 MB of a tmpfs).
        DatabaseName = "postgres",
        WriteConnectionStringFile = false,
        StartTimeout = TimeSpan.FromSeconds(60),
        InitDbArguments = initDb,
        ServerSettings = settings,
    };

    private static DirectoryInfo CreateRoot()
    {
        var root = Directory.CreateTempSubdirectory("opsconsole-managed-");
        // The server account must traverse to the data directory below; CreateTempSubdirectory makes it 0700.
        root.UnixFileMode |= UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return root;
    }

    private string RequireTmpfs() =>
        tmpfsMount ?? throw new InvalidOperationException("This cluster is not on a tmpfs; start it with StartOnTmpfsAsync.");

    private static async Task RunCheckedAsync(string program, string[] arguments)
    {
        var (exit, output, error) = await ToolProcess.RunAsync(program, arguments);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {exit}: {output}{error}");
        }
    }

    private static void DeleteQuietly(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A temp directory; leftovers of a failed test are harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
