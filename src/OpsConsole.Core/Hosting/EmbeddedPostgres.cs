using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OpsConsole.Core.Hosting;

/// <summary>
/// A private PostgreSQL cluster under the console data directory (<c>{DataDirectory}/postgres</c>), used when no
/// connection string is configured. Linux only; runs the server as the <c>postgres</c> account when the console is root.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string ClusterDirectoryName = "postgres";
    private const string PasswordFileName = "postgres-password";
    private const string PortFileName = "postgres-port";
    private const string LogFileName = "postgres.log";
    private const string LockFileName = "postgres.lock";
    private const string ConnectionStringFileName = "connection-string";

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly EmbeddedPostgresOptions options;
    private readonly ILogger logger;
    private readonly PostgresCommandBuilder commands;
    private readonly string dataDirectory;
    private readonly SemaphoreSlim gate = new(1, 1);
    private FileStream? lockFile;
    private string password = string.Empty;
    private bool serverRunning;
    private bool stopped;

    private EmbeddedPostgres(EmbeddedPostgresOptions options, ILogger logger, PostgresCommandBuilder commands, string dataDirectory)
    {
        this.options = options;
        this.logger = logger;
        this.commands = commands;
        this.dataDirectory = dataDirectory;
        ClusterDirectory = Path.Combine(dataDirectory, ClusterDirectoryName);
        LogFile = Path.Combine(dataDirectory, LogFileName);
    }

    /// <summary>Npgsql connection string for <see cref="EmbeddedPostgresOptions.DatabaseName"/> on 127.0.0.1:<see cref="Port"/>.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public string ClusterDirectory { get; }

    /// <summary>Server log (pg_ctl -l); its tail is quoted in start failures.</summary>
    public string LogFile { get; }

    public int Port { get; private set; }

    /// <summary>True when this start ran initdb; false when an existing cluster was reused.</summary>
    public bool CreatedNewCluster { get; private set; }

    /// <summary>Creates the cluster if needed, recovers from an unclean console exit, starts the server and the database.</summary>
    /// <exception cref="PostgresBinariesNotFoundException">The server programs are not installed.</exception>
    /// <exception cref="EmbeddedPostgresException">The cluster could not be prepared or started.</exception>
    /// <exception cref="TimeoutException">The server did not accept connections within <see cref="EmbeddedPostgresOptions.StartTimeout"/>.</exception>
    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DatabaseName);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "The embedded PostgreSQL server is supported on Linux only; set ConnectionStrings__Console to use an existing server.");
        }

        var binaries = PostgresBinaryLocator.Locate();
        var root = UnixEnvironment.IsRoot();
        var commands = new PostgresCommandBuilder(binaries, root, ResolveRunUser());
        var instance = new EmbeddedPostgres(options, logger, commands, Path.GetFullPath(options.DataDirectory));
        try
        {
            await instance.InitializeAsync(ct);
            return instance;
        }
        catch
        {
            await instance.CleanUpFailedStartAsync();
            throw;
        }
    }

    /// <summary>Stops the server (pg_ctl stop -m fast -w) and releases the data directory. Idempotent.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (stopped)
            {
                return;
            }

            if (serverRunning)
            {
                await StopServerCoreAsync(PostgresShutdownMode.Fast, ct);
            }

            stopped = true;
            ReleaseLock();
            logger.LogInformation("Embedded PostgreSQL in {ClusterDirectory} stopped", ClusterDirectory);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc cref="StopAsync"/>
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Test helper: stops the postmaster but keeps this object (and the port) for <see cref="StartServerAsync"/>.
    /// <see cref="PostgresShutdownMode.Immediate"/> stops it like a crash (<c>pg_ctl stop -m immediate</c>), for fault tests.
    /// </summary>
    public async Task StopServerAsync(PostgresShutdownMode mode = PostgresShutdownMode.Fast, CancellationToken ct = default)
    {
        await gate.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(stopped, this);
            if (serverRunning)
            {
                await StopServerCoreAsync(mode, ct);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Test helper: starts the postmaster again on the same <see cref="Port"/> (after crash recovery, if it was stopped immediately) and waits until it accepts connections.</summary>
    public async Task StartServerAsync(CancellationToken ct = default)
    {
        await gate.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(stopped, this);
            if (!serverRunning)
            {
                await StartServerCoreAsync(ct);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Test hook simulating a killed console: forgets the server without stopping it and drops the data directory lock.</summary>
    internal void Abandon()
    {
        stopped = true;
        serverRunning = false;
        ReleaseLock();
    }

    /// <summary>A start that failed or was cancelled after pg_ctl succeeded must not leave a server nobody owns.</summary>
    private async Task CleanUpFailedStartAsync()
    {
        if (serverRunning)
        {
            try
            {
                await StopServerCoreAsync(PostgresShutdownMode.Fast, CancellationToken.None);
            }
            catch (Exception ex) when (ex is EmbeddedPostgresException or TimeoutException)
            {
                logger.LogWarning(ex, "Could not stop PostgreSQL after a failed start; the next start will recover it");
            }
        }

        ReleaseLock();
    }

    private async Task InitializeAsync(CancellationToken ct)
    {
        if (commands.RunAsPostgres)
        {
            await EnsureServiceAccountExistsAsync(ct);
        }

        Directory.CreateDirectory(dataDirectory);
        if (commands.RunAsPostgres)
        {
            // The server account must traverse the data directory (CreateTempSubdirectory makes it 0700).
            // Traverse-only (0711) keeps the secret files' names unlistable; they are 0600 themselves.
            var mode = UnixEnvironment.GetMode(dataDirectory);
            UnixEnvironment.SetMode(dataDirectory, mode | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        AcquireLock();

        if (!File.Exists(LogFile))
        {
            await File.WriteAllTextAsync(LogFile, string.Empty, ct);
        }

        await RecoverFromUncleanShutdownAsync(ct);

        var passwordFile = Path.Combine(dataDirectory, PasswordFileName);
        if (File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION")))
        {
            if (!File.Exists(passwordFile))
            {
                throw new EmbeddedPostgresException(
                    $"The PostgreSQL cluster in {ClusterDirectory} exists but its password file {passwordFile} is missing; "
                    + "restore the file, or delete the cluster directory to create a new (empty) one.");
            }

            password = (await File.ReadAllTextAsync(passwordFile, ct)).Trim();
            await EnsureServerAccountCanWriteAsync(ct);
            CreatedNewCluster = false;
        }
        else
        {
            await CreateClusterAsync(passwordFile, ct);
            CreatedNewCluster = true;
        }

        Port = ChoosePort();
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, PortFileName), Port.ToString(CultureInfo.InvariantCulture) + "\n", ct);
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = PostgresCommandBuilder.SuperUser,
            Password = password,
            Database = options.DatabaseName,
        }.ConnectionString;

        await StartServerCoreAsync(ct);
        await EnsureDatabaseAsync(ct);

        if (options.WriteConnectionStringFile)
        {
            UnixEnvironment.WriteSecretFile(Path.Combine(dataDirectory, ConnectionStringFileName), ConnectionString + "\n");
        }

        logger.LogInformation(
            "Embedded PostgreSQL ready: {ClusterState} cluster {ClusterDirectory}, database {Database} on 127.0.0.1:{Port}, log {LogFile}",
            CreatedNewCluster ? "created" : "reused",
            ClusterDirectory,
            options.DatabaseName,
            Port,
            LogFile);
    }

    private async Task CreateClusterAsync(string passwordFile, CancellationToken ct)
    {
        if (Directory.Exists(ClusterDirectory))
        {
            // No PG_VERSION means initdb never finished (e.g. the console was killed during it); initdb needs an empty directory.
            logger.LogWarning("Removing incomplete PostgreSQL cluster directory {ClusterDirectory} (no PG_VERSION)", ClusterDirectory);
            Directory.Delete(ClusterDirectory, recursive: true);
        }

        password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        UnixEnvironment.WriteSecretFile(passwordFile, password + "\n");

        Directory.CreateDirectory(ClusterDirectory);
        UnixEnvironment.SetMode(ClusterDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // initdb reads the password from a file so it never appears in a process listing.
        var pwFile = Path.Combine(dataDirectory, ".initdb-pwfile-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        try
        {
            UnixEnvironment.WriteSecretFile(pwFile, password + "\n");
            if (commands.RunAsPostgres)
            {
                await RunCheckedAsync(PostgresCommandBuilder.Chown(false, ClusterDirectory, pwFile), ToolTimeout, "hand the cluster directory to the postgres account", ct);
            }

            await EnsureServerAccountCanWriteAsync(ct);

            logger.LogInformation("Creating PostgreSQL cluster in {ClusterDirectory}", ClusterDirectory);
            var initTimeout = TimeSpan.FromSeconds(Math.Max(120, options.StartTimeout.TotalSeconds * 2));
            await RunCheckedAsync(commands.InitDb(ClusterDirectory, pwFile, options.InitDbArguments), initTimeout, "initialize the PostgreSQL cluster (initdb)", ct);
        }
        finally
        {
            File.Delete(pwFile);
        }

        var conf = Path.Combine(ClusterDirectory, "postgresql.conf");
        var append = PostgresConfigFile.IncludeToAppend(await File.ReadAllTextAsync(conf, ct));
        if (append is not null)
        {
            await File.AppendAllTextAsync(conf, append, ct);
        }
    }

    private async Task StartServerCoreAsync(CancellationToken ct)
    {
        var confFile = Path.Combine(ClusterDirectory, PostgresConfigFile.FileName);
        await File.WriteAllTextAsync(confFile, PostgresConfigFile.Render(Port, options.ServerSettings), ct);
        if (commands.RunAsPostgres)
        {
            // pg_ctl appends to the log as the server account; the include file is rewritten (as root) on every start.
            await RunCheckedAsync(PostgresCommandBuilder.Chown(false, confFile, LogFile), ToolTimeout, "hand the config and log file to the postgres account", ct);
        }

        var result = await ProcessRunner.RunAsync(commands.Start(ClusterDirectory, LogFile, options.StartTimeout), options.StartTimeout + ToolTimeout, ct);
        if (!result.Succeeded)
        {
            throw new EmbeddedPostgresException(
                $"PostgreSQL did not start (pg_ctl exit code {result.ExitCode}): {result.Output}\n{LogTail()}");
        }

        serverRunning = true;
        await WaitUntilAcceptingConnectionsAsync(ct);
    }

    private async Task StopServerCoreAsync(PostgresShutdownMode mode, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(commands.Stop(ClusterDirectory, StopTimeout, mode), StopTimeout + ToolTimeout, ct);
        if (!result.Succeeded)
        {
            throw new EmbeddedPostgresException(
                $"PostgreSQL in {ClusterDirectory} did not stop (pg_ctl exit code {result.ExitCode}): {result.Output}\n{LogTail()}");
        }

        serverRunning = false;
    }

    private async Task WaitUntilAcceptingConnectionsAsync(CancellationToken ct)
    {
        // pg_ctl -w already waits for "ready" in postmaster.pid; a real login also proves port, pg_hba and password.
        var builder = AdminConnection();
        builder.Timeout = 5;
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < options.StartTimeout)
        {
            try
            {
                await using var dataSource = AdminDataSource(builder.ConnectionString);
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidPassword)
            {
                throw new EmbeddedPostgresException(
                    $"PostgreSQL rejected the password from {Path.Combine(dataDirectory, PasswordFileName)}; "
                    + "the file does not belong to this cluster. Restore it, or delete the cluster directory to create a new one.",
                    ex);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CannotConnectNow)
            {
                last = ex;
            }
            catch (NpgsqlException ex) when (ex is not PostgresException)
            {
                last = ex;
            }

            await Task.Delay(PollInterval, ct);
        }

        throw new TimeoutException(
            $"PostgreSQL did not accept connections on 127.0.0.1:{Port} within {options.StartTimeout.TotalSeconds:0} s; see {LogFile}.\n{LogTail()}",
            last);
    }

    private async Task EnsureDatabaseAsync(CancellationToken ct)
    {
        await using var dataSource = AdminDataSource(AdminConnection().ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(ct);

        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection))
        {
            exists.Parameters.AddWithValue("name", options.DatabaseName);
            if (await exists.ExecuteScalarAsync(ct) is not null)
            {
                return;
            }
        }

        // Identifiers cannot be parameters; quoting with doubled quotes makes any name safe.
        var quoted = "\"" + options.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand("CREATE DATABASE " + quoted, connection);
        await create.ExecuteNonQueryAsync(ct);
        logger.LogInformation("Created database {Database}", options.DatabaseName);
    }

    /// <summary>
    /// Handles a postmaster.pid left behind by a console that was killed: stops an orphaned postmaster of this cluster,
    /// or deletes a stale file whose PID is gone or was reused by an unrelated process.
    /// </summary>
    private async Task RecoverFromUncleanShutdownAsync(CancellationToken ct)
    {
        var pidPath = Path.Combine(ClusterDirectory, "postmaster.pid");
        if (!File.Exists(pidPath))
        {
            return;
        }

        var info = PostmasterPidFile.Parse(await File.ReadAllTextAsync(pidPath, ct));
        if (info is not null && IsPostmasterOfThisCluster(info.ProcessId))
        {
            logger.LogWarning(
                "Found orphaned PostgreSQL postmaster (PID {Pid}, port {Port}) for {ClusterDirectory}, probably left by a killed console; stopping it",
                info.ProcessId,
                info.Port,
                ClusterDirectory);
            var result = await ProcessRunner.RunAsync(commands.Stop(ClusterDirectory, StopTimeout), StopTimeout + ToolTimeout, ct);
            if (!result.Succeeded || IsPostmasterOfThisCluster(info.ProcessId))
            {
                logger.LogWarning("pg_ctl stop failed ({Output}); signalling PID {Pid}", result.Output, info.ProcessId);
                await TerminateAsync(info.ProcessId, ct);
            }

            logger.LogInformation("Orphaned postmaster PID {Pid} stopped", info.ProcessId);
        }

        if (!File.Exists(pidPath))
        {
            return;
        }

        // Old backends can outlive a killed postmaster; deleting the pid file while they hold shared memory
        // would defeat PostgreSQL's own guard against two servers on one cluster.
        if (info?.SharedMemoryId is int shmId && IsSharedMemoryAttached(shmId))
        {
            logger.LogWarning("Waiting for processes of the previous server to release shared memory id {ShmId}", shmId);
            await WaitUntilAsync(() => !IsSharedMemoryAttached(shmId), TimeSpan.FromSeconds(15), ct);
            if (IsSharedMemoryAttached(shmId))
            {
                throw new EmbeddedPostgresException(
                    $"Processes of a previous PostgreSQL server still use {ClusterDirectory} (shared memory id {shmId}); stop them and retry.");
            }
        }

        File.Delete(pidPath);
        logger.LogWarning(
            "Deleted stale {PidFile} (PID {Pid} is not a running postmaster of this cluster)",
            pidPath,
            info?.ProcessId);
    }

    private bool IsPostmasterOfThisCluster(int pid)
    {
        try
        {
            // A zombie or exited process has an empty/missing cmdline, which correctly reads as "not running".
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return PostmasterPidFile.IsPostmasterFor(cmdline, ClusterDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsSharedMemoryAttached(int shmId)
    {
        try
        {
            return PostmasterPidFile.SharedMemoryAttachCount(File.ReadAllText("/proc/sysvipc/shm"), shmId) is > 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task TerminateAsync(int pid, CancellationToken ct)
    {
        UnixEnvironment.Signal(pid, UnixEnvironment.SigTerm);
        await WaitUntilAsync(() => !IsPostmasterOfThisCluster(pid), TimeSpan.FromSeconds(15), ct);
        if (IsPostmasterOfThisCluster(pid))
        {
            logger.LogWarning("Postmaster PID {Pid} ignored SIGTERM; sending SIGKILL", pid);
            UnixEnvironment.Signal(pid, UnixEnvironment.SigKill);
            await WaitUntilAsync(() => !IsPostmasterOfThisCluster(pid), TimeSpan.FromSeconds(15), ct);
        }

        if (IsPostmasterOfThisCluster(pid))
        {
            throw new EmbeddedPostgresException($"Could not stop the orphaned PostgreSQL postmaster PID {pid} for {ClusterDirectory}.");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < timeout)
        {
            await Task.Delay(PollInterval, ct);
        }
    }

    private async Task EnsureServiceAccountExistsAsync(CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(PostgresCommandBuilder.UserExists(), ToolTimeout, ct);
        if (!result.Succeeded)
        {
            throw new EmbeddedPostgresException(
                "The console runs as root but the OS user 'postgres' does not exist (PostgreSQL refuses to run as root). "
                + "Install the server package, which creates it: apt-get install postgresql  (or set ConnectionStrings__Console to use an existing server).");
        }
    }

    private async Task EnsureServerAccountCanWriteAsync(CancellationToken ct)
    {
        if (!commands.RunAsPostgres)
        {
            return;
        }

        var result = await ProcessRunner.RunAsync(commands.CanWrite(ClusterDirectory), ToolTimeout, ct);
        if (!result.Succeeded)
        {
            var blocker = FindUntraversableAncestor(ClusterDirectory);
            throw new EmbeddedPostgresException(
                $"The 'postgres' account cannot write {ClusterDirectory}"
                + (blocker is null
                    ? $"; make it owned by postgres (chown -R postgres:postgres {ClusterDirectory})."
                    : $": {blocker} is not traversable by other users. Use a data directory outside it, or run: chmod o+x {blocker}"));
        }
    }

    private static string? FindUntraversableAncestor(string path)
    {
        for (var dir = Path.GetDirectoryName(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            try
            {
                if ((UnixEnvironment.GetMode(dir) & UnixFileMode.OtherExecute) == 0)
                {
                    return dir;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return dir;
            }
        }

        return null;
    }

    private int ChoosePort()
    {
        var portFile = Path.Combine(dataDirectory, PortFileName);
        if (File.Exists(portFile)
            && int.TryParse(File.ReadAllText(portFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var previous)
            && previous is > 0 and <= IPEndPoint.MaxPort)
        {
            if (IsPortFree(previous))
            {
                return previous;
            }

            logger.LogWarning("Previous PostgreSQL port {Port} is in use; choosing another", previous);
        }

        return GetFreePort();
    }

    internal static bool IsPortFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static int GetFreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>A named one-off source: Npgsql labels pool metrics with the name, else with the connection string.</summary>
    private static NpgsqlDataSource AdminDataSource(string connectionString) =>
        new NpgsqlDataSourceBuilder(connectionString) { Name = "embedded-admin" }.Build();

    private NpgsqlConnectionStringBuilder AdminConnection() => new(ConnectionString)
    {
        Database = "postgres",
        // Internal probes must not leave pooled connections behind (they would outlive a server restart).
        Pooling = false,
    };

    private void AcquireLock()
    {
        var path = Path.Combine(dataDirectory, LockFileName);
        try
        {
            // FileShare.None takes an flock on Linux: held while this process lives, released by the kernel if it is killed,
            // so a live postmaster found without the lock really is an orphan and not another console's server.
            lockFile = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new DataDirectoryInUseException(
                $"The data directory {dataDirectory} is in use by another console process (lock {path}); stop it first or use another data directory.",
                ex);
        }
    }

    private void ReleaseLock()
    {
        lockFile?.Dispose();
        lockFile = null;
    }

    private async Task RunCheckedAsync(ProcessCommand command, TimeSpan timeout, string purpose, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(command, timeout, ct);
        if (!result.Succeeded)
        {
            throw new EmbeddedPostgresException(
                $"Could not {purpose}: '{command}' exited with code {result.ExitCode}: {result.Output}");
        }
    }

    private string LogTail(int lines = 20)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Max(0, stream.Length - 8192), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var tail = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines);
            return $"Last lines of {LogFile}:\n" + string.Join('\n', tail);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"(server log {LogFile} unreadable: {ex.Message})";
        }
    }

    private static string ResolveRunUser() =>
        new[] { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser" }.FirstOrDefault(File.Exists) ?? "runuser";
}
