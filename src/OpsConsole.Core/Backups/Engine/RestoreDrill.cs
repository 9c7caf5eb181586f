using System.Diagnostics;
using Npgsql;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>
/// How a restore drill went. <paramref name="RestoreDuration"/> is the measured time to restore (the RTO), zero when
/// the restore did not run; <paramref name="Error"/> says why a drill failed before comparing anything.
/// </summary>
public sealed record DrillResult(
    bool Succeeded,
    string ScratchDatabase,
    TimeSpan RestoreDuration,
    IReadOnlyList<RowCountMismatch> Mismatches,
    string? Error);

/// <summary>
/// Proves a backup restores: into a scratch database on the same server (<c>&lt;db&gt;__drill_&lt;yyyyMMddHHmmss&gt;</c>),
/// with the real pg_restore, then compares row counts with the manifest. The scratch database is always dropped.
/// </summary>
public static class RestoreDrill
{
    /// <summary>The maintenance database the scratch database is created and dropped from.</summary>
    public const string MaintenanceDatabase = "postgres";

    private static readonly TimeSpan DropTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Runs the drill. Failures (server unreachable, no CREATEDB right, pg_restore errors, wrong counts) come back as a
    /// result with <see cref="DrillResult.Succeeded"/> false; only a cancel throws.
    /// </summary>
    /// <param name="connectionString">The managed database's; the same credentials create the scratch database (they need CREATEDB).</param>
    /// <exception cref="OperationCanceledException"><paramref name="ctx"/>'s cancellation fired (the scratch database is still dropped).</exception>
    public static async Task<DrillResult> RunAsync(
        string connectionString,
        string dumpPath,
        IReadOnlyDictionary<string, long> manifest,
        IOperationContext ctx,
        PgClientTools? tools = null,
        TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dumpPath);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(ctx);
        var ct = ctx.Cancellation;
        var source = EngineConnections.Parse(connectionString);
        var database = source.Database ?? source.Username ?? "";
        var scratch = ScratchDatabaseName.For(database, ScratchPurpose.Drill, (clock ?? TimeProvider.System).GetUtcNow());
        var maintenance = EngineConnections.Parse(connectionString, MaintenanceDatabase);
        var restoreTime = TimeSpan.Zero;
        var created = false;
        try
        {
            if (!File.Exists(dumpPath))
            {
                return Failed(ctx, scratch, restoreTime, $"the backup file {dumpPath} is missing");
            }

            ctx.Progress(0, $"creating scratch database {scratch}");
            await using (var admin = await EngineConnections.OpenAsync(maintenance, ct))
            {
                tools ??= PgClientTools.Locate(server: await EngineConnections.ServerVersionAsync(admin, ct));
                _ = await PgRestore.CreateDatabaseLikeAsync(admin, database, scratch, ct);
                created = true;
            }

            ctx.Log($"scratch database {scratch} created");
            var clockRestore = Stopwatch.StartNew();
            var failure = await PgRestore.RunAsync(tools, EngineConnections.Parse(connectionString, scratch), dumpPath, manifest, ctx);
            clockRestore.Stop();
            restoreTime = clockRestore.Elapsed;
            if (failure is not null)
            {
                return Failed(ctx, scratch, restoreTime, failure);
            }

            ctx.Log($"restored in {restoreTime.TotalSeconds:0.0} s; counting rows");
            ctx.Progress(0.95, "comparing row counts with the manifest");
            var actual = await PgRestore.CountRowsAsync(EngineConnections.Parse(connectionString, scratch), ct);

            var mismatches = Manifest.Compare(manifest, actual);
            foreach (var mismatch in mismatches)
            {
                ctx.Log($"row count mismatch: {mismatch}", OperationLogLevel.Error);
            }

            ctx.Progress(1, mismatches.Count == 0 ? "drill succeeded" : "drill found mismatches");
            ctx.Log(mismatches.Count == 0
                ? $"drill succeeded: {manifest.Count} tables match the manifest; restore took {restoreTime.TotalSeconds:0.0} s"
                : $"drill failed: {mismatches.Count} of {manifest.Count} tables differ from the manifest", mismatches.Count == 0 ? OperationLogLevel.Info : OperationLogLevel.Error);
            return new DrillResult(mismatches.Count == 0, scratch, restoreTime, mismatches,
                mismatches.Count == 0 ? null : $"{mismatches.Count} table(s) differ from the manifest: {string.Join("; ", mismatches.Take(5))}");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            ctx.Log("drill cancelled", OperationLogLevel.Warning);
            throw;
        }
        catch (Exception ex) when (ex is DatabaseConnectionException or BackupFailedException or NpgsqlException or IOException)
        {
            return Failed(ctx, scratch, restoreTime, ex is NpgsqlException npgsql ? $"{npgsql.Message}" : ex.Message);
        }
        finally
        {
            if (created)
            {
                await DropAsync(maintenance, scratch, ctx);
            }
        }
    }

    /// <summary>
    /// Always runs, even after a cancel (its own deadline, not the operation's token): WITH (FORCE) ends stray sessions.
    /// Also drops a migration rehearsal's copy.
    /// </summary>
    internal static async Task DropAsync(NpgsqlConnectionStringBuilder maintenance, string scratch, IOperationContext ctx)
    {
        using var deadline = new CancellationTokenSource(DropTimeout);
        try
        {
            await BackupCleanup.DropDatabaseAsync(maintenance, scratch, deadline.Token);
            ctx.Log($"scratch database {scratch} dropped");
        }
        catch (Exception ex) when (ex is NpgsqlException or DatabaseConnectionException or OperationCanceledException)
        {
            ctx.Log($"could not drop the scratch database {scratch}: {ex.Message}; the next console start drops it", OperationLogLevel.Error);
        }
    }

    private static DrillResult Failed(IOperationContext ctx, string scratch, TimeSpan restoreTime, string error)
    {
        ctx.Log($"drill failed: {error}", OperationLogLevel.Error);
        return new DrillResult(false, scratch, restoreTime, [], error);
    }
}
