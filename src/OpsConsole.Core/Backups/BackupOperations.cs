using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups;

/// <summary>A database's backups or drills changed (a backup was added, verified, deleted or expired; a drill ran).</summary>
public sealed record BackupsChanged(string Database);

public static class BackupTopics
{
    public static LiveTopic<BackupsChanged> Changed { get; } = new("backups.changed", Distributed: true);

    /// <summary>This instance read new server facts of a database (each instance probes for itself, so it stays local).</summary>
    public static LiveTopic<BackupsChanged> Probed { get; } = new("backups.probed");
}

/// <summary>The operation kinds of backups and what they share.</summary>
public static class BackupKinds
{
    public const string Backup = "backup";
    public const string Verify = "backup-verify";
    public const string Drill = "restore-drill";
    public const string Delete = "backup-delete";

    public static readonly AccessRule Access = new(ConsolePolicies.BackupsAct, "backups.access", "database", "Backups need the Admin or Sre role.");

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal static ManagedDatabase Database(ManagedDatabaseCatalog catalog, OperationRun run) =>
        catalog.Find(run.Parameter("database")) ?? throw new InvalidOperationException($"\"{run.Parameter("database")}\" is no longer a managed database (ManagedDatabases).");

    internal static IReadOnlyDictionary<string, long> Manifest(StoredBackup backup) =>
        JsonSerializer.Deserialize<Dictionary<string, long>>(backup.Manifest, Json) ?? [];

    internal static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.##} GiB"),
    };
}

/// <summary>
/// "backup": pg_dump (custom format) of a managed database into its folder, verified at once (checksum, pg_restore
/// --list, every manifest table present), then listed in the inventory and followed by retention. A failure or cancel
/// at any step leaves no file and no inventory row.
/// </summary>
public sealed class BackupOperation(ManagedDatabaseCatalog catalog, BackupStorage storage, BackupTaker taker, BackupRetention retention) : IOperationKind
{
    public string Name => BackupKinds.Backup;

    public AccessRule Access => BackupKinds.Access;

    public bool CancellableWhileRunning => true;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return await BackUpAsync(run, context);
        }
        catch (BackupFailedException ex)
        {
            BackupMetrics.Failures.WithLabels(run.Parameter("database"), Snake(ex.Reason.ToString())).Inc();
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            BackupMetrics.Failures.WithLabels(run.Parameter("database"), "other").Inc();
            throw;
        }
    }

    private static string Snake(string name) => Data.SnakeCaseColumns.Of(name);

    private async Task<string?> BackUpAsync(OperationRun run, IOperationContext context)
    {
        var database = BackupKinds.Database(catalog, run);
        var (backup, dump) = await taker.TakeAsync(database, run.Parameter("purpose"), run, context);
        context.Progress(0.97, "applying retention");
        await retention.ApplyAsync(database, context);
        var rows = dump.Manifest.Values.Sum();
        return $"{BackupKinds.Size(backup.SizeBytes)}, {dump.Manifest.Count} tables, {rows:N0} rows, sha256 {backup.Sha256[..12]}…";
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var folder = Path.Combine(storage.Root, run.Parameter("database"));
        foreach (var file in Directory.Exists(folder) ? BackupCleanup.DeletePartialFiles(folder) : [])
        {
            context.Log($"deleted the partial file {file}");
        }

        return Task.CompletedTask;
    }
}

/// <summary>"backup-verify": checks a listed backup again (checksum, pg_restore --list, manifest tables) and records the result.</summary>
public sealed class VerifyBackupOperation(ManagedDatabaseCatalog catalog, BackupStorage storage, ConsoleDbContext db, AuditedActions actions, TimeProvider time) : IOperationKind
{
    public string Name => BackupKinds.Verify;

    public AccessRule Access => BackupKinds.Access;

    public bool CancellableWhileRunning => true;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        _ = BackupKinds.Database(catalog, run);
        var id = Guid.Parse(run.Parameter("backup"), CultureInfo.InvariantCulture);
        var backup = await db.Backups.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id && b.DeletedAt == null, context.Cancellation)
                     ?? throw new InvalidOperationException($"Backup {id} is not in the inventory (deleted or expired).");
        string? error = null;
        try
        {
            await BackupVerifier.VerifyAsync(storage.PathOf(backup), backup.Sha256, BackupKinds.Manifest(backup), context, storage.Tools());
        }
        catch (BackupFailedException ex)
        {
            error = ex.Message;
        }

        var now = time.GetUtcNow();
        await actions.RunAsync(AuditActors.System, async work =>
        {
            await db.Backups.Where(b => b.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Verified, error == null)
                .SetProperty(b => b.VerifiedAt, now)
                .SetProperty(b => b.VerifyError, error), CancellationToken.None);
            await work.RecordAsync("backups.verified", "backup", id.ToString(), error is null ? AuditOutcome.Succeeded : AuditOutcome.Failed,
                ("database", backup.Database), ("error", error), ("operation", run.Id.ToString()), ("requested_by", run.RequestedBy));
            work.Publish(BackupTopics.Changed, new BackupsChanged(backup.Database));
            return true;
        }, CancellationToken.None);
        return error is null ? $"backup {backup.FileName} verified: checksum, archive and every table present" : throw new BackupFailedException(error);
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context) => Task.CompletedTask;
}

/// <summary>
/// "restore-drill": restores the newest verified backup into a scratch database, compares row counts with its manifest,
/// records the measured restore time, and drops the scratch database (always).
/// </summary>
public sealed class RestoreDrillOperation(ManagedDatabaseCatalog catalog, BackupStorage storage, ConsoleDbContext db, AuditedActions actions, TimeProvider time) : IOperationKind
{
    public string Name => BackupKinds.Drill;

    public AccessRule Access => BackupKinds.Access;

    public bool CancellableWhileRunning => true;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var database = BackupKinds.Database(catalog, run);
        var backup = await db.Backups.AsNoTracking()
                         .Where(b => b.Database == database.Name && b.DeletedAt == null && b.Verified)
                         .OrderByDescending(b => b.CompletedAt)
                         .FirstOrDefaultAsync(context.Cancellation)
                     ?? throw new InvalidOperationException($"{database.Name} has no verified backup to drill; take one first.");
        context.Log($"drilling backup {backup.Id} ({backup.FileName}, {BackupKinds.Size(backup.SizeBytes)}, taken {backup.CompletedAt:yyyy-MM-dd HH:mm} UTC)");
        var result = await RestoreDrill.RunAsync(catalog.ConnectionString(database), storage.PathOf(backup), BackupKinds.Manifest(backup), context, storage.Tools(), time);
        var drill = new StoredDrill
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            Database = database.Name,
            BackupId = backup.Id,
            OperationId = run.Id,
            At = time.GetUtcNow(),
            Succeeded = result.Succeeded,
            RestoreSeconds = Math.Round(result.RestoreDuration.TotalSeconds, 3),
            Error = result.Error is { Length: > 2000 } e ? e[..2000] : result.Error,
            Mismatches = JsonSerializer.Serialize(result.Mismatches.Select(m => new { table = m.Table, expected = m.Expected, actual = m.Actual }), BackupKinds.Json),
        };
        await actions.RunAsync(AuditActors.System, async work =>
        {
            db.BackupDrills.Add(drill);
            await db.SaveChangesAsync(CancellationToken.None);
            await work.RecordAsync("backups.drilled", "database", database.Name, result.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Failed,
                ("backup", backup.Id.ToString()), ("restore_seconds", drill.RestoreSeconds.ToString(CultureInfo.InvariantCulture)),
                ("error", drill.Error), ("operation", run.Id.ToString()), ("requested_by", run.RequestedBy));
            work.Publish(BackupTopics.Changed, new BackupsChanged(database.Name));
            return true;
        }, CancellationToken.None);
        if (!result.Succeeded)
        {
            var why = result.Error ?? string.Join("; ", result.Mismatches.Select(m => m.ToString()));
            throw new BackupFailedException($"the drill failed: {why}");
        }

        return string.Create(CultureInfo.InvariantCulture, $"restored {backup.FileName} in {result.RestoreDuration.TotalSeconds:0.0} s; row counts match the manifest");
    }

    public async Task CleanupAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var database = BackupKinds.Database(catalog, run);
        foreach (var dropped in await BackupCleanup.DropScratchDatabasesAsync(catalog.ConnectionString(database), [ScratchPurpose.Drill], context.Cancellation))
        {
            context.Log($"dropped the scratch database {dropped}");
        }
    }
}

/// <summary>
/// "backup-delete": removes a backup's file and keeps its row as deleted, with who asked, who approved and why. Checked
/// again when it runs: a backup that became the newest verified one meanwhile is kept.
/// </summary>
public sealed class DeleteBackupOperation(ManagedDatabaseCatalog catalog, BackupStorage storage, ConsoleDbContext db, AuditedActions actions, TimeProvider time) : IOperationKind
{
    public string Name => BackupKinds.Delete;

    public AccessRule Access => BackupKinds.Access;

    public bool CancellableWhileRunning => false;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        _ = BackupKinds.Database(catalog, run);
        var id = Guid.Parse(run.Parameter("backup"), CultureInfo.InvariantCulture);
        var reason = run.Parameter("reason");
        var backup = await db.Backups.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id && b.DeletedAt == null, context.Cancellation)
                     ?? throw new InvalidOperationException($"Backup {id} is not in the inventory any more (deleted or expired).");
        await BackupService.RefuseNewestVerifiedAsync(db, backup, context.Cancellation);
        var now = time.GetUtcNow();
        var by = run.ApprovedBy is null ? run.RequestedBy : $"{run.RequestedBy}, approved by {run.ApprovedBy}";
        await actions.RunAsync(AuditActors.System, async work =>
        {
            await db.Backups.Where(b => b.Id == id && b.DeletedAt == null).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.DeletedAt, now).SetProperty(b => b.DeletedBy, by).SetProperty(b => b.DeleteReason, reason), CancellationToken.None);
            await work.RecordAsync("backups.deleted", "backup", id.ToString(), ("database", backup.Database), ("file", backup.FileName), ("reason", reason),
                ("requested_by", run.RequestedBy), ("approved_by", run.ApprovedBy), ("operation", run.Id.ToString()));
            work.Publish(BackupTopics.Changed, new BackupsChanged(backup.Database));
            return true;
        }, CancellationToken.None);
        // After the commit: a failed delete leaves an orphan file, never a listed backup without its file.
        File.Delete(storage.PathOf(backup));
        context.Log($"deleted {backup.FileName} ({BackupKinds.Size(backup.SizeBytes)}): {reason}");
        return $"deleted {backup.FileName}";
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context) => Task.CompletedTask;
}
