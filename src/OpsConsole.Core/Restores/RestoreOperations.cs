using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores.Engine;
using Prometheus;

namespace OpsConsole.Core.Restores;

/// <summary>A database's restores changed (requested, a phase passed, swapped, swapped back, the set-aside copy dropped).</summary>
public sealed record RestoresChanged(string Database);

public static class RestoreKinds
{
    public const string Restore = "restore";
    public const string SwapBack = "restore-swap-back";
    public const string Cleanup = "restore-cleanup";

    public static LiveTopic<RestoresChanged> Changed { get; } = new("restores.changed", Distributed: true);

    /// <summary>The kinds a banner announces to everyone while they run.</summary>
    public static bool Announced(string kind) => kind is Restore or SwapBack;
}

/// <summary>Restore counters for /metrics.</summary>
public static class RestoreMetrics
{
    public static readonly Counter Finished = Prometheus.Metrics.CreateCounter("opsconsole_restores_total",
        "Restores that ended, by database and outcome (succeeded, failed, cancelled).", "database", "outcome");

    public static readonly Gauge SwapSeconds = Prometheus.Metrics.CreateGauge("opsconsole_restore_last_swap_seconds",
        "How long the database refused connections during its last swap.", "database");
}

/// <summary>
/// "restore": runs a stored plan. Check the plan and the file; back up the database as it is (pre-restore); restore into
/// <c>&lt;name&gt;__restore_&lt;time&gt;</c>; check the row counts and run the checkpoints (<see cref="IRestoreCheckpoint"/>);
/// swap by rename. Until the swap the original is never touched; a failure drops the restored copy.
/// </summary>
public sealed class RestoreOperation(
    ManagedDatabaseCatalog catalog,
    BackupStorage storage,
    BackupTaker taker,
    RestorePlanner planner,
    ConsoleDbContext db,
    AuditedActions actions,
    IEnumerable<IRestoreCheckpoint> checkpoints,
    IOptions<RestoreOptions> options,
    TimeProvider time) : IOperationKind
{
    public string Name => RestoreKinds.Restore;

    public Audit.AccessRule Access => RestoreService.ActRule;

    /// <summary>Until the swap; the swap itself ignores a cancel (it runs to its end or undoes itself).</summary>
    public bool CancellableWhileRunning => true;

    internal static StoredRestore NewRow(StoredRestorePlan plan, Guid id, string requestedBy, DateTimeOffset requestedAt) => new()
    {
        Id = id,
        PlanId = plan.Id,
        Database = plan.Database,
        Mode = plan.Mode,
        BackupId = plan.BackupId,
        RequestedBy = requestedBy,
        RequestedAt = requestedAt,
        Phase = RestorePhases.Requested,
    };

    /// <summary>
    /// Writes the restore's row unless it exists: the request writes it after the operation is queued, and the runner
    /// may start the restore before that, so both call this (no unique-key race, whichever comes first).
    /// </summary>
    internal static Task EnsureRowAsync(ConsoleDbContext db, StoredRestore row, CancellationToken ct) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO console.restores (id, plan_id, database, mode, backup_id, phase, requested_by, requested_at)
            VALUES ({row.Id}, {row.PlanId}, {row.Database}, {row.Mode}, {row.BackupId}, {row.Phase}, {row.RequestedBy}, {row.RequestedAt})
            ON CONFLICT (id) DO NOTHING
            """, ct);

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var planId = Guid.Parse(run.Parameter("plan"), CultureInfo.InvariantCulture);
        var plan = await db.RestorePlans.AsNoTracking().SingleAsync(p => p.Id == planId, context.Cancellation);
        await EnsureRowAsync(db, NewRow(plan, run.Id, run.RequestedBy, run.RequestedAt), context.Cancellation);
        var row = await db.Restores.SingleAsync(r => r.Id == run.Id, context.Cancellation);

        row.ApprovedBy = run.ApprovedBy;
        row.StartedAt = time.GetUtcNow();
        await SaveAsync(row, RestorePhases.Checking);
        try
        {
            var result = await RestoreAsync(run, plan, row, context);
            RestoreMetrics.Finished.WithLabels(plan.Database, "succeeded").Inc();
            return result;
        }
        catch (Exception ex)
        {
            var cancelled = ex is OperationCanceledException;
            RestoreMetrics.Finished.WithLabels(plan.Database, cancelled ? "cancelled" : "failed").Inc();
            row.Error = cancelled ? "cancelled" : Truncate(ex.Message);
            row.EndedAt = time.GetUtcNow();
            await SaveAsync(row, RestorePhases.Failed);
            await AuditAsync(run, row, "restores.failed", AuditOutcome.Failed);
            throw;
        }
    }

    private async Task<string> RestoreAsync(OperationRun run, StoredRestorePlan plan, StoredRestore row, IOperationContext context)
    {
        var managed = catalog.Find(plan.Database) ?? throw new InvalidOperationException($"\"{plan.Database}\" is no longer a managed database (ManagedDatabases).");
        var connectionString = catalog.ConnectionString(managed);
        var live = RestorePlanner.LiveName(connectionString);
        var replace = plan.Mode == RestoreModes.Replace;
        var steps = new OperationSteps(context, RestorePlanner.StepNames(plan.Mode, live, plan.NewDatabase, RestoreService.PlanView(plan).Connections.Count, options.Value.KeepPrevious));
        var step = 1;

        // 1. The plan that was approved is the plan that runs.
        var ctx = steps.Enter(step++);
        if (await planner.ChangedSinceAsync(plan, ctx.Cancellation) is { } changed)
        {
            throw new RestoreRefusedException($"the plan changed since it was approved: {changed}; plan the restore again");
        }

        var backup = await db.Backups.AsNoTracking().SingleAsync(b => b.Id == plan.BackupId, ctx.Cancellation);
        var path = storage.PathOf(backup);
        var tools = storage.Tools();
        ctx.Log($"restoring backup {backup.FileName} ({BackupKinds.Size(backup.SizeBytes)}, taken {backup.CompletedAt:yyyy-MM-dd HH:mm:ss} UTC); checking its checksum and archive");
        await BackupVerifier.VerifyAsync(path, backup.Sha256, BackupKinds.Manifest(backup), ctx, tools);
        var (fresh, _) = await planner.PlanAsync(Audit.AuditActors.System, plan.Database,
            new RestorePlanRequest(plan.BackupId, plan.Mode, plan.NewDatabase), ctx.Cancellation);
        if (fresh.Problems.Count > 0)
        {
            throw new RestoreRefusedException($"the preflight fails now: {string.Join("; ", fresh.Problems)}");
        }

        // 2. A safety backup of the database as it is, so even a wrong restore loses nothing.
        if (replace)
        {
            var safety = steps.Enter(step++);
            await SaveAsync(row, RestorePhases.SafetyBackup);
            var (taken, _) = await taker.TakeAsync(managed, BackupPurposes.PreRestore, run, safety);
            row.PreRestoreBackupId = taken.Id;
            safety.Log($"pre-restore backup {taken.FileName} is in the inventory ({BackupKinds.Size(taken.SizeBytes)})");
        }

        // 3. Restore next to the original, never into it.
        var stamp = time.GetUtcNow();
        var into = replace ? await FreeNameAsync(connectionString, live, ScratchPurpose.Restore, stamp, context.Cancellation) : plan.NewDatabase!;
        var restoreCtx = steps.Enter(step++);
        row.RestoredInto = into;
        await SaveAsync(row, RestorePhases.Restoring);
        var restored = false;
        try
        {
            var maintenance = EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase);
            bool superuser;
            await using (var admin = await EngineConnections.OpenAsync(maintenance, restoreCtx.Cancellation))
            {
                superuser = await IsSuperuserAsync(admin, restoreCtx.Cancellation);
                var owner = await PgRestore.CreateDatabaseLikeAsync(admin, live, into, restoreCtx.Cancellation);
                await CopyDatabaseSettingsAsync(admin, live, into, superuser ? owner : null, restoreCtx);
            }

            restoreCtx.Log($"created {into}; pg_restore {(superuser ? "with owners and privileges" : "without owners and privileges (the role is not a superuser)")}");
            var clock = Stopwatch.StartNew();
            var failure = await PgRestore.RunAsync(tools, EngineConnections.Parse(connectionString, into), path, BackupKinds.Manifest(backup), restoreCtx, keepOwnership: superuser);
            clock.Stop();
            if (failure is not null)
            {
                throw new BackupFailedException($"pg_restore into {into} failed: {failure}");
            }

            row.RestoreSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
            restoreCtx.Log(string.Create(CultureInfo.InvariantCulture, $"restored into {into} in {clock.Elapsed.TotalSeconds:0.0} s"));

            // 4. Row counts against the manifest, then the later capabilities' checkpoints, before anyone uses it.
            var check = steps.Enter(step++);
            await SaveAsync(row, RestorePhases.Verifying);
            var actual = await PgRestore.CountRowsAsync(EngineConnections.Parse(connectionString, into), check.Cancellation);
            var mismatches = Manifest.Compare(BackupKinds.Manifest(backup), actual);
            if (mismatches.Count > 0)
            {
                throw new BackupFailedException($"the restored database's row counts differ from the manifest: {string.Join("; ", mismatches.Take(5))}");
            }

            check.Log($"{actual.Count} tables, {actual.Values.Sum():N0} rows: the row counts match the manifest");
            foreach (var checkpoint in checkpoints)
            {
                check.Log($"checkpoint: {checkpoint.Name}");
                await checkpoint.RunAsync(plan.Database, EngineConnections.Parse(connectionString, into).ConnectionString, check);
            }

            if (!replace)
            {
                restored = true;
                steps.Enter(step);
                row.EndedAt = time.GetUtcNow();
                await SaveAsync(row, RestorePhases.Done);
                await AuditAsync(run, row, "restores.completed", AuditOutcome.Succeeded);
                return $"restored {backup.FileName} into the new database {into}; {live} was not touched";
            }

            // 5. The critical section: from here the swap runs to its end or undoes itself.
            var swapCtx = steps.Enter(step++);
            swapCtx.Cancellation.ThrowIfCancellationRequested();
            var setAside = await FreeNameAsync(connectionString, live, ScratchPurpose.Before, time.GetUtcNow(), CancellationToken.None);
            row.SetAside = setAside;
            await SaveAsync(row, RestorePhases.Swapping);
            var swap = await DatabaseSwap.SwapAsync(connectionString, live, into, setAside, options.Value.SwapLockTimeout, swapCtx,
                onConnectionsCut: () => row.ConnectionsCutAt = time.GetUtcNow());
            restored = true;
            RestoreMetrics.SwapSeconds.WithLabels(plan.Database).Set(swap.ConnectionsRefused.TotalSeconds);
            row.ConnectionsCutAt = null;
            row.SwappedAt = time.GetUtcNow();
            row.SwapMilliseconds = Math.Round(swap.ConnectionsRefused.TotalMilliseconds, 1);
            row.KeepUntil = row.SwappedAt + options.Value.KeepPrevious;
            row.EndedAt = row.SwappedAt;
            await SaveAsync(row, RestorePhases.Done);
            await AuditAsync(run, row, "restores.completed", AuditOutcome.Succeeded);

            // 6. The way back.
            var keep = steps.Enter(step);
            keep.Log($"{setAside} is kept until {row.KeepUntil:yyyy-MM-dd HH:mm} UTC: \"Swap back\" makes it {live} again");
            keep.Progress(1, "restored");
            return string.Create(CultureInfo.InvariantCulture,
                $"{live} restored from {backup.FileName}; connections refused for {swap.ConnectionsRefused.TotalMilliseconds:0} ms; the previous database is kept as {setAside} until {row.KeepUntil:yyyy-MM-dd HH:mm} UTC");
        }
        finally
        {
            if (!restored)
            {
                // The original was never touched; the half-restored copy goes (its own deadline: a cancel must not stop it).
                row.SetAside = null;
                await EmptyAsync(connectionString, into, context);
                await DropAsync(connectionString, into, context);
            }
        }
    }

    /// <summary>
    /// After a console died mid-restore: a restore that had not swapped drops its copy; one that was swapping either
    /// finished (the set-aside database exists: it is recorded as done) or not (the copy is dropped and the original
    /// accepts connections again). The original database is never dropped here.
    /// </summary>
    public async Task CleanupAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var row = await db.Restores.SingleOrDefaultAsync(r => r.Id == run.Id, context.Cancellation);
        var managed = catalog.Find(run.Parameter("database"));
        foreach (var file in BackupCleanup.DeletePartialFiles(storage.FolderOf(run.Parameter("database"))))
        {
            context.Log($"deleted the partial file {file}");
        }

        if (row is null || managed is null || row.Phase is RestorePhases.Done or RestorePhases.Failed or RestorePhases.Requested)
        {
            return;
        }

        var connectionString = catalog.ConnectionString(managed);
        var live = RestorePlanner.LiveName(connectionString);
        if (row.Phase == RestorePhases.Swapping && row.SetAside is { } setAside && await ExistsAsync(connectionString, setAside, context.Cancellation))
        {
            row.SwappedAt = time.GetUtcNow();
            row.KeepUntil = row.SwappedAt + options.Value.KeepPrevious;
            row.ConnectionsCutAt = null;
            row.EndedAt = row.SwappedAt;
            await DatabaseSwap.AllowConnectionsAsync(connectionString, setAside);
            context.Log($"the swap had completed before the console stopped: {live} is the restored database and {setAside} is kept until {row.KeepUntil:yyyy-MM-dd HH:mm} UTC");
            await SaveAsync(row, RestorePhases.Done);
            return;
        }

        if (row.ConnectionsCutAt is not null && await DatabaseSwap.AllowConnectionsAsync(connectionString, live) is null)
        {
            row.ConnectionsCutAt = null;
            context.Log($"{live} accepts connections again");
        }

        if (row.RestoredInto is { } into)
        {
            await DropAsync(connectionString, into, context);
        }

        row.SetAside = null;
        row.Error = OperationLifecycle.RestartedReason;
        row.EndedAt = time.GetUtcNow();
        await SaveAsync(row, RestorePhases.Failed);
    }

    private async Task SaveAsync(StoredRestore row, string phase)
    {
        row.Phase = phase;
        await db.SaveChangesAsync(CancellationToken.None);
        actions.Publish(RestoreKinds.Changed, new RestoresChanged(row.Database));
        // Published outside a transaction: OnCommitted runs at once when none is open.
    }

    private async Task AuditAsync(OperationRun run, StoredRestore row, string action, string outcome) =>
        await actions.RunAsync(AuditActors.System, async work =>
        {
            await work.RecordAsync(action, "database", row.Database, outcome,
                ("restore", row.Id.ToString()), ("mode", row.Mode), ("backup", row.BackupId.ToString()), ("restored_into", row.RestoredInto),
                ("set_aside", row.SetAside), ("pre_restore_backup", row.PreRestoreBackupId?.ToString()), ("requested_by", run.RequestedBy),
                ("approved_by", run.ApprovedBy), ("restore_seconds", row.RestoreSeconds?.ToString(CultureInfo.InvariantCulture)),
                ("swap_ms", row.SwapMilliseconds?.ToString(CultureInfo.InvariantCulture)), ("error", row.Error));
            return true;
        }, CancellationToken.None);

    internal static async Task DropAsync(string connectionString, string database, IOperationContext context)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await BackupCleanup.DropDatabaseAsync(EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase), database, deadline.Token);
            context.Log($"dropped {database}");
        }
        catch (Exception ex) when (ex is NpgsqlException or DatabaseConnectionException or OperationCanceledException)
        {
            context.Log($"could not drop {database} now ({ex.Message}); the restore clean-up drops it when the server answers", OperationLogLevel.Error);
        }
    }

    /// <summary>
    /// Gives a half-restored copy's disk space back before it is dropped. DROP DATABASE forces a checkpoint, and a
    /// checkpoint on a full data disk PANICs the server (it must write files), taking the original down with it; the
    /// files of dropped tables are truncated at commit, without one. Best effort: the DROP DATABASE follows anyway.
    /// </summary>
    internal static async Task EmptyAsync(string connectionString, string database, IOperationContext context)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await using (var admin = await EngineConnections.OpenAsync(EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase), deadline.Token))
            {
                if (!await ExistsAsync(admin, database, deadline.Token))
                {
                    return;
                }

                // A killed pg_restore's session may still hold its table locks.
                await using var end = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", admin);
                end.Parameters.Add(new NpgsqlParameter { Value = database });
                await end.ExecuteScalarAsync(deadline.Token);
            }

            await using var copy = await EngineConnections.OpenAsync(EngineConnections.Parse(connectionString, database), deadline.Token);
            var schemas = new List<string>();
            await using (var list = new NpgsqlCommand(
                @"SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp\_%' ORDER BY 1", copy))
            await using (var reader = await list.ExecuteReaderAsync(deadline.Token))
            {
                while (await reader.ReadAsync(deadline.Token))
                {
                    schemas.Add(TableKey.QuoteIdentifier(reader.GetString(0)));
                }
            }

            if (schemas.Count > 0)
            {
                await using var drop = new NpgsqlCommand($"DROP SCHEMA {string.Join(", ", schemas)} CASCADE", copy);
                await drop.ExecuteNonQueryAsync(deadline.Token);
                context.Log($"emptied {database} (its space is free before the DROP DATABASE checkpoint)");
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or DatabaseConnectionException or OperationCanceledException)
        {
            context.Log($"could not empty {database} before dropping it ({ex.Message})", OperationLogLevel.Warning);
        }
    }

    /// <summary>A scratch name for <paramref name="live"/> no database has yet: names have second precision, so a swap back within the second of its restore needs the next one.</summary>
    internal static async Task<string> FreeNameAsync(string connectionString, string live, ScratchPurpose purpose, DateTimeOffset at, CancellationToken ct)
    {
        for (var i = 0; ; i++)
        {
            var name = ScratchDatabaseName.For(live, purpose, at.AddSeconds(i));
            if (!await ExistsAsync(connectionString, name, ct))
            {
                return name;
            }
        }
    }

    internal static async Task<bool> ExistsAsync(string connectionString, string database, CancellationToken ct)
    {
        await using var admin = await EngineConnections.OpenAsync(EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase), ct);
        return await ExistsAsync(admin, database, ct);
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection admin, string database, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin);
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    private static async Task<bool> IsSuperuserAsync(NpgsqlConnection admin, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", admin);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>
    /// What a dump of one database does not carry but the database had: its per-database settings (ALTER DATABASE … SET)
    /// and, for a superuser, its owner. Read from the live database, which is what applications expect to find.
    /// </summary>
    private static async Task CopyDatabaseSettingsAsync(NpgsqlConnection admin, string from, string to, string? owner, IOperationContext ctx)
    {
        var settings = new List<string>();
        await using (var read = new NpgsqlCommand(
            "SELECT unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = $1 AND s.setrole = 0", admin))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = from });
            await using var reader = await read.ExecuteReaderAsync(ctx.Cancellation);
            while (await reader.ReadAsync(ctx.Cancellation))
            {
                settings.Add(reader.GetString(0));
            }
        }

        var target = TableKey.QuoteIdentifier(to);
        foreach (var setting in settings)
        {
            var eq = setting.IndexOf('=', StringComparison.Ordinal);
            await using var set = new NpgsqlCommand($"ALTER DATABASE {target} SET {TableKey.QuoteIdentifier(setting[..eq])} = {PgRestore.Literal(setting[(eq + 1)..])}", admin);
            await set.ExecuteNonQueryAsync(ctx.Cancellation);
            ctx.Log($"copied the database setting {setting[..eq]} from {from}");
        }

        if (owner is not null)
        {
            await using var alter = new NpgsqlCommand($"ALTER DATABASE {target} OWNER TO {TableKey.QuoteIdentifier(owner)}", admin);
            await alter.ExecuteNonQueryAsync(ctx.Cancellation);
        }
    }

    private static string Truncate(string text) => text.Length > 4000 ? text[..4000] : text;
}

/// <summary>The restore would not do what was planned (or approved); nothing was touched.</summary>
public sealed class RestoreRefusedException(string message) : Exception(message);
