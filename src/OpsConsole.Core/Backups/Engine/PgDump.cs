using System.Data;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>A finished backup file and what is known about it.</summary>
/// <param name="Manifest">Rows per table (keyed by <see cref="TableKey"/>) in the very snapshot the dump holds.</param>
public sealed record DumpResult(
    string FullPath,
    long SizeBytes,
    string Sha256Hex,
    TimeSpan Duration,
    PgVersion PgDumpVersion,
    PgVersion ServerVersion,
    IReadOnlyDictionary<string, long> Manifest);

/// <summary>
/// Backs up one database with the real pg_dump (custom format). The row-count manifest and the dump read the same
/// exported snapshot, the file is hashed as it is written and only renamed from <c>.dump.partial</c> to <c>.dump</c>
/// once complete and flushed to disk; on any failure or cancel the partial file is deleted.
/// </summary>
public static class PgDump
{
    public const string FileExtension = ".dump";

    public const string PartialExtension = ".dump.partial";

    private const int CopyBufferSize = 1 << 20;

    /// <summary>Writes <c>&lt;directory&gt;/&lt;fileStem&gt;.dump</c>, reporting progress per table through <paramref name="ctx"/>.</summary>
    /// <param name="tools">null: located on PATH or under /usr/lib/postgresql.</param>
    /// <exception cref="BackupFailedException">Any failure, with a message for the operator and a <see cref="BackupFailure"/> reason.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ctx"/>'s cancellation fired (pg_dump killed, nothing left on disk).</exception>
    public static async Task<DumpResult> RunAsync(string connectionString, string directory, string fileStem, IOperationContext ctx, PgClientTools? tools = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileStem);
        ArgumentNullException.ThrowIfNull(ctx);
        if (fileStem.IndexOfAny(['/', '\0']) >= 0 || fileStem is "." or "..")
        {
            throw new ArgumentException("The file stem must be a plain file name.", nameof(fileStem));
        }

        try
        {
            return await RunCoreAsync(connectionString, directory, fileStem, ctx, tools);
        }
        catch (OperationCanceledException) when (ctx.Cancellation.IsCancellationRequested)
        {
            ctx.Log("backup cancelled; pg_dump stopped and no file left behind", OperationLogLevel.Warning);
            throw;
        }
        catch (Exception ex) when (ex is BackupFailedException or NpgsqlException or IOException or UnauthorizedAccessException)
        {
            var failure = ex as BackupFailedException
                ?? (ex is NpgsqlException
                    ? new BackupFailedException(BackupFailure.Database, $"the backup's database session failed: {ex.Message}", ex)
                    : new BackupFailedException(BackupFailure.Storage, $"the backup directory {directory} is not usable: {ex.Message}", ex));
            ctx.Log(failure.Message, OperationLogLevel.Error);
            if (failure == ex)
            {
                throw;
            }

            throw failure;
        }
    }

    private static async Task<DumpResult> RunCoreAsync(string connectionString, string directory, string fileStem, IOperationContext ctx, PgClientTools? tools)
    {
        var ct = ctx.Cancellation;
        var clock = Stopwatch.StartNew();
        var builder = Parse(connectionString);
        var database = builder.Database ?? builder.Username ?? "";

        ctx.Progress(0, $"connecting to {DatabaseConnectionException.Where(builder)}");
        await using var connection = await OpenAsync(builder, ct);
        var server = await EngineConnections.ServerVersionAsync(connection, ct);
        tools ??= PgClientTools.Locate(server: server);
        var pgDumpVersion = await tools.ReadPgDumpVersionAsync(ct);
        PgVersionCheck.EnsureCanDump(pgDumpVersion, server);
        ctx.Log($"PostgreSQL {server} server, pg_dump {pgDumpVersion} ({tools.PgDump})");

        Directory.CreateDirectory(directory);
        var finalPath = Path.GetFullPath(Path.Combine(directory, fileStem + FileExtension));
        var partialPath = Path.GetFullPath(Path.Combine(directory, fileStem + PartialExtension));
        if (File.Exists(finalPath))
        {
            throw new BackupFailedException(BackupFailure.Storage, $"{finalPath} already exists; a backup never overwrites another");
        }

        // REPEATABLE READ keeps one snapshot for the whole transaction; pg_dump imports it, so the manifest's counts
        // and the dump see exactly the same rows. The transaction stays open until pg_dump has finished.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        string snapshot;
        IReadOnlyList<UserTable> tables;
        try
        {
            // Counting a big table must not hit a role's statement timeout, nor the wait for pg_dump an idle timeout;
            // row_security off makes count(*) fail rather than undercount where a policy would hide rows (as pg_dump does).
            await using (var settings = new NpgsqlCommand(
                "SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0; SET LOCAL row_security = off",
                connection, transaction))
            {
                await settings.ExecuteNonQueryAsync(ct);
            }

            await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, transaction))
            {
                snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
            }

            tables = await UserTables.ListAsync(connection, transaction, ct);
        }
        catch (NpgsqlException ex)
        {
            throw new BackupFailedException(BackupFailure.Database, $"could not take a snapshot of {database}: {ex.Message}", ex);
        }

        ctx.Log($"snapshot {snapshot} exported; {tables.Count} tables");
        var progress = new TableProgress(tables.Select(t => KeyValuePair.Create(t.Printed, t.SizeBytes)));
        var printedToKey = tables.ToDictionary(t => t.Printed, t => t.Key, StringComparer.Ordinal);

        try
        {
            var (size, sha256, manifest) = await DumpAsync(
                tools, builder, database, snapshot, partialPath, connection, transaction, tables, progress, printedToKey, ctx);
            File.Move(partialPath, finalPath);
            clock.Stop();
            ctx.Progress(1, "dump written");
            ctx.Log($"dump written: {finalPath}, {size.ToString("N0", CultureInfo.InvariantCulture)} bytes, sha256 {sha256}, "
                + $"{manifest.Count} tables, {manifest.Values.Sum().ToString("N0", CultureInfo.InvariantCulture)} rows, {clock.Elapsed.TotalSeconds:0.0} s");
            return new DumpResult(finalPath, size, sha256, clock.Elapsed, pgDumpVersion, server, manifest);
        }
        catch (Exception ex)
        {
            // Whatever ended the dump (a cancel included), no partial file may remain to be mistaken for a backup.
            DeleteQuietly(partialPath);
            if (ex is BackupFailedException or OperationCanceledException)
            {
                throw;
            }

            throw new BackupFailedException(BackupFailure.Storage, $"writing {finalPath} failed: {ex.Message}", ex);
        }
    }

    private static async Task<(long Size, string Sha256, IReadOnlyDictionary<string, long> Manifest)> DumpAsync(
        PgClientTools tools,
        NpgsqlConnectionStringBuilder builder,
        string database,
        string snapshot,
        string partialPath,
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyList<UserTable> tables,
        TableProgress progress,
        Dictionary<string, string> printedToKey,
        IOperationContext ctx)
    {
        var ct = ctx.Cancellation;
        using var work = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var pgDump = PgToolProcess.Start(
            tools.PgDump,
            ["--format=custom", "--verbose", "--snapshot=" + snapshot, "--dbname=" + PgToolEnvironment.DatabaseArgument(database)],
            builder,
            line => OnStderr(line, progress, printedToKey, ctx));
        await using var kill = work.Token.Register(pgDump.Kill);

        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            // Backups hold the database's data: readable by the console's account only.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(partialPath, options);

        // The counts run while pg_dump copies (same snapshot, another backend), so the manifest costs little extra time.
        var copy = CancelOnFailure(CopyAndHashAsync(pgDump.StandardOutput, file, work.Token), work);
        var counts = CancelOnFailure(UserTables.CountAsync(connection, transaction, tables, work.Token), work);
        int exitCode;
        try
        {
            exitCode = await pgDump.WaitForExitAsync(CancellationToken.None);
            if (exitCode != 0)
            {
                await work.CancelAsync();
            }

            await Task.WhenAll(copy, counts).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            await file.DisposeAsync();
        }

        // The first cause wins: a cancel, then the file, then the counts (each kills pg_dump), then pg_dump's own exit.
        ct.ThrowIfCancellationRequested();
        if (copy.IsFaulted)
        {
            throw StorageFailure(copy.Exception!.GetBaseException(), partialPath);
        }

        if (counts.IsFaulted)
        {
            var error = counts.Exception!.GetBaseException();
            throw new BackupFailedException(BackupFailure.Database, $"counting rows for the manifest of {database} failed: {error.Message}", error);
        }

        if (exitCode != 0)
        {
            throw pgDump.Failure(exitCode);
        }

        var (size, sha256) = await copy;
        ctx.Log($"pg_dump finished ({pgDump.Name} exit code 0)");
        return (size, sha256, counts.Result);
    }

    private static void OnStderr(string line, TableProgress progress, Dictionary<string, string> printedToKey, IOperationContext ctx)
    {
        if (PgVerboseOutput.TableOf(line) is { } printed)
        {
            var name = printedToKey.GetValueOrDefault(printed, printed);
            ctx.Progress(progress.Start(printed), $"dumping {name}");
            ctx.Log($"dumping {name}");
        }
        else if (PgVerboseOutput.IsError(line))
        {
            ctx.Log(line, OperationLogLevel.Error);
        }
        else if (PgVerboseOutput.IsWarning(line))
        {
            ctx.Log(line, OperationLogLevel.Warning);
        }
    }

    /// <summary>Copies pg_dump's output to the file while hashing it (one pass, no re-read), then forces it to disk.</summary>
    private static async Task<(long Size, string Sha256)> CopyAndHashAsync(Stream source, FileStream file, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[CopyBufferSize];
        long size = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
            size += read;
        }

        await file.FlushAsync(ct);
        file.Flush(flushToDisk: true);
        return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static async Task<T> CancelOnFailure<T>(Task<T> task, CancellationTokenSource work)
    {
        try
        {
            return await task;
        }
        catch
        {
            await work.CancelAsync();
            throw;
        }
    }

    internal static BackupFailedException StorageFailure(Exception error, string path) =>
        error is IOException io && IsDiskFull(io)
            ? new BackupFailedException(BackupFailure.DiskFull, $"disk full: no space left on the device of {Path.GetDirectoryName(path)} while writing {Path.GetFileName(path)}", error)
            : new BackupFailedException(BackupFailure.Storage, $"writing {path} failed: {error.Message}", error);

    /// <summary>ENOSPC (28) or EDQUOT (122): .NET surfaces the errno as the HResult and the C library's words as the message.</summary>
    internal static bool IsDiskFull(IOException error) =>
        error.HResult is 28 or 122 || PgVerboseOutput.MentionsDiskFull(error.Message) || error.Message.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase);

    private static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        try
        {
            return EngineConnections.Parse(connectionString);
        }
        catch (DatabaseConnectionException ex)
        {
            throw new BackupFailedException(BackupFailure.Connection, ex.Message, ex);
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlConnectionStringBuilder builder, CancellationToken ct)
    {
        try
        {
            return await EngineConnections.OpenAsync(builder, ct);
        }
        catch (DatabaseConnectionException ex)
        {
            throw new BackupFailedException(BackupFailure.Connection, ex.Message, ex);
        }
    }

    internal static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The restart sweep (BackupCleanup.DeletePartialFiles) removes what could not be deleted now.
        }
    }
}
