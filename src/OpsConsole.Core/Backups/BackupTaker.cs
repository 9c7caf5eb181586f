using System.Globalization;
using System.Text.Json;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Data;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups;

/// <summary>
/// Takes one backup inside a running operation and lists it: pg_dump (custom format) into the database's folder,
/// verified at once (checksum, pg_restore --list, every manifest table present), then an inventory row, audited. The
/// "backup" operation uses it, and so do the operations that take a safety backup first (restore, migration, erasure).
/// A failure or cancel at any step leaves no file and no inventory row.
/// </summary>
public sealed class BackupTaker(ManagedDatabaseCatalog catalog, BackupStorage storage, ConsoleDbContext db, AuditedActions actions, TimeProvider time)
{
    /// <summary>
    /// Backs up <paramref name="database"/> with <paramref name="purpose"/> (a <see cref="BackupPurposes"/> value), as
    /// part of <paramref name="run"/>; progress goes to <paramref name="context"/> as given.
    /// </summary>
    /// <exception cref="BackupFailedException">pg_dump or the verification failed (nothing is listed, no file is left).</exception>
    public async Task<(StoredBackup Backup, DumpResult Dump)> TakeAsync(ManagedDatabase database, string purpose, OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var started = time.GetUtcNow();
        // The operation id's random tail keeps two backups of the same second apart.
        var stem = $"{database.Name}-{started.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{purpose}-{run.Id.ToString("N")[^6..]}";
        var tools = storage.Tools();
        context.Log($"pg_dump and pg_restore from {tools.Directory}; writing {stem}{PgDump.FileExtension} in {storage.FolderOf(database.Name)}");
        var dump = await PgDump.RunAsync(catalog.ConnectionString(database), storage.FolderOf(database.Name), stem, context, tools);
        try
        {
            context.Progress(0.9, "verifying");
            await BackupVerifier.VerifyAsync(dump.FullPath, dump.Sha256Hex, dump.Manifest, context, tools);
        }
        catch
        {
            // A backup that does not verify is not a backup: never list it.
            File.Delete(dump.FullPath);
            context.Log($"deleted {Path.GetFileName(dump.FullPath)}: it did not verify", OperationLogLevel.Error);
            throw;
        }

        var backup = new StoredBackup
        {
            Id = Guid.CreateVersion7(started),
            Database = database.Name,
            Purpose = purpose,
            OperationId = run.Id,
            StartedAt = started,
            CompletedAt = time.GetUtcNow(),
            FileName = Path.GetFileName(dump.FullPath),
            SizeBytes = dump.SizeBytes,
            Sha256 = dump.Sha256Hex,
            DurationSeconds = Math.Round(dump.Duration.TotalSeconds, 3),
            PgDumpVersion = dump.PgDumpVersion.Text,
            ServerVersion = dump.ServerVersion.Text,
            Manifest = JsonSerializer.Serialize(dump.Manifest, BackupKinds.Json),
            Verified = true,
            VerifiedAt = time.GetUtcNow(),
        };
        await actions.RunAsync(AuditActors.System, async work =>
        {
            db.Backups.Add(backup);
            await db.SaveChangesAsync(CancellationToken.None);
            await work.RecordAsync("backups.created", "backup", backup.Id.ToString(),
                ("database", database.Name), ("purpose", purpose), ("file", backup.FileName), ("size_bytes", backup.SizeBytes.ToString(CultureInfo.InvariantCulture)),
                ("sha256", backup.Sha256), ("operation", run.Id.ToString()), ("requested_by", run.RequestedBy));
            work.Publish(BackupTopics.Changed, new BackupsChanged(database.Name));
            return true;
        }, CancellationToken.None); // once written and verified, record it even if a cancel arrives now
        context.Log($"listed as backup {backup.Id}: {BackupKinds.Size(backup.SizeBytes)}, sha256 {backup.Sha256}");
        return (backup, dump);
    }
}
