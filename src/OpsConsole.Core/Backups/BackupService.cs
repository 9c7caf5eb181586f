using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups;

/// <summary>A backup as pages and the API show it.</summary>
public sealed record BackupView(
    Guid Id, string Database, string Purpose, DateTimeOffset StartedAt, DateTimeOffset CompletedAt, string FileName, long SizeBytes,
    string Sha256, double DurationSeconds, string PgDumpVersion, string ServerVersion, int Tables, long Rows, bool Verified,
    DateTimeOffset? VerifiedAt, string? VerifyError, Guid? OperationId);

/// <summary>A restore drill's result.</summary>
public sealed record DrillView(Guid Id, string Database, Guid BackupId, DateTimeOffset At, bool Succeeded, double RestoreSeconds, string? Error);

/// <summary>One managed database as the Databases page lists it.</summary>
public sealed record DatabaseStatus(
    string Name,
    string Target,
    DatabaseProbe? Probe,
    BackupView? LastBackup,
    BackupFreshness Freshness,
    TimeSpan Rpo,
    DateTimeOffset? NextBackup,
    string Schedule,
    DrillView? LastDrill,
    DateTimeOffset? NextDrill,
    string? DrillSchedule,
    int Backups,
    long BackupBytes,
    OperationView? Active,
    OperationView? LastFailure,
    bool Protected,
    bool RequireApproval,
    string TimeZone,
    RetentionPolicy Retention)
{
    /// <summary>Age of the newest backup at <paramref name="now"/> (null: none).</summary>
    public TimeSpan? AgeAt(DateTimeOffset now) => LastBackup is { } b ? now - b.CompletedAt : null;
}

/// <summary>A page of one database's inventory, newest first.</summary>
public sealed record BackupPage(IReadOnlyList<BackupView> Items, int Total, int Offset, int Limit);

/// <summary>
/// Managed databases and their backups: the Databases page and the inventory (<see cref="ConsolePolicies.BackupsRead"/>),
/// and the actions (<see cref="ConsolePolicies.BackupsAct"/>): back up now, verify, drill — each an operation — and
/// download and delete, audited here.
/// </summary>
public sealed class BackupService(
    ConsoleDbContext db,
    AuditedActions actions,
    OperationService operations,
    ManagedDatabaseCatalog catalog,
    DatabaseProbeCache probes,
    BackupStorage storage,
    TimeProvider time)
{
    private static readonly AccessRule ReadRule = new(ConsolePolicies.BackupsRead, "backups.read", "database", "Your roles may not see backups.");

    public async Task<IReadOnlyList<DatabaseStatus>> ListDatabasesAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var now = time.GetUtcNow();
        var kept = db.Backups.AsNoTracking().Where(b => b.DeletedAt == null);
        // Four small queries over indexes whatever the inventory's size (the 10,000-backup benchmark).
        var names = catalog.All.Select(d => d.Name).ToArray();
        var newest = await BackupQueries.NewestKeptAsync(db, names, cancellationToken);
        var totals = await kept.GroupBy(b => b.Database).Select(g => new { Database = g.Key, Count = g.Count(), Bytes = g.Sum(b => b.SizeBytes) }).ToListAsync(cancellationToken);
        var drills = await BackupQueries.NewestDrillsAsync(db, names, cancellationToken);
        var active = await db.Operations.AsNoTracking()
            .Where(o => o.Target.StartsWith("database:") && (o.State == OperationState.Queued || o.State == OperationState.AwaitingApproval || o.State == OperationState.Running))
            .ToListAsync(cancellationToken);
        var lastBackupRuns = await BackupQueries.LastFinishedBackupsAsync(db, names, cancellationToken);

        return [.. catalog.All.Select(d =>
        {
            var target = ManagedDatabaseCatalog.Target(d.Name);
            var last = newest.FirstOrDefault(b => b.Database == d.Name);
            var total = totals.FirstOrDefault(t => t.Database == d.Name);
            var drill = drills.FirstOrDefault(x => x.Database == d.Name);
            var run = active.FirstOrDefault(o => o.Target == target);
            var lastRun = lastBackupRuns.FirstOrDefault(o => o.Target == target);
            return new DatabaseStatus(
                d.Name, target, probes.Of(d.Name), last is null ? null : View(last), d.FreshnessAt(last?.CompletedAt, now), d.Rpo,
                d.NextBackup(now), d.Options.Schedule, drill is null ? null : View(drill), d.NextDrill(now),
                d.Options.DrillSchedule.Length > 0 ? d.Options.DrillSchedule : null, total?.Count ?? 0, total?.Bytes ?? 0,
                run is null ? null : OperationService.View(run), lastRun is { State: OperationState.Failed } ? OperationService.View(lastRun) : null,
                d.Options.Protected, d.Options.RequireApproval, d.Options.TimeZone, d.Retention);
        })];
    }

    public async Task<DatabaseStatus?> GetDatabaseAsync(ClaimsPrincipal caller, string name, CancellationToken cancellationToken = default) =>
        (await ListDatabasesAsync(caller, cancellationToken)).FirstOrDefault(d => d.Name == name);

    public async Task<BackupPage> ListBackupsAsync(ClaimsPrincipal caller, string database, int offset = 0, int limit = 50, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        _ = Require(database);
        offset = Math.Max(0, offset);
        limit = Math.Clamp(limit, 1, 500);
        var kept = db.Backups.AsNoTracking().Where(b => b.Database == database && b.DeletedAt == null);
        var total = await kept.CountAsync(cancellationToken);
        var rows = await kept.OrderByDescending(b => b.CompletedAt).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        return new BackupPage([.. rows.Select(View)], total, offset, limit);
    }

    public async Task<IReadOnlyList<DrillView>> ListDrillsAsync(ClaimsPrincipal caller, string database, int limit = 20, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var rows = await db.BackupDrills.AsNoTracking().Where(d => d.Database == database).OrderByDescending(d => d.At).Take(Math.Clamp(limit, 1, 200)).ToListAsync(cancellationToken);
        return [.. rows.Select(View)];
    }

    /// <summary>Requests a backup now (purpose manual unless given): an operation on the database's target.</summary>
    /// <exception cref="OperationRefusedException">The database is busy; the message names the operation.</exception>
    public Task<OperationView> BackUpNowAsync(ClaimsPrincipal caller, string database, string purpose = BackupPurposes.Manual, CancellationToken cancellationToken = default)
    {
        var d = Require(database);
        if (!BackupPurposes.All.Contains(purpose))
        {
            throw new ArgumentException($"\"{purpose}\" is not a backup purpose ({string.Join(", ", BackupPurposes.All)}).", nameof(purpose));
        }

        return operations.RequestAsync(caller, Request(d, purpose), cancellationToken);
    }

    /// <summary>The operation the scheduler requests for a due backup.</summary>
    public static OperationRequest Request(ManagedDatabase database, string purpose)
    {
        ArgumentNullException.ThrowIfNull(database);
        return new OperationRequest(BackupKinds.Backup, ManagedDatabaseCatalog.Target(database.Name), $"Back up {database.Name} ({purpose})", NeedsApproval: false,
            new Dictionary<string, string> { ["database"] = database.Name, ["purpose"] = purpose });
    }

    public static OperationRequest DrillRequest(ManagedDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return new OperationRequest(BackupKinds.Drill, ManagedDatabaseCatalog.Target(database.Name), $"Restore drill of {database.Name}", NeedsApproval: false,
            new Dictionary<string, string> { ["database"] = database.Name });
    }

    public Task<OperationView> DrillNowAsync(ClaimsPrincipal caller, string database, CancellationToken cancellationToken = default) =>
        operations.RequestAsync(caller, DrillRequest(Require(database)), cancellationToken);

    public async Task<OperationView> VerifyAsync(ClaimsPrincipal caller, Guid backupId, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, BackupKinds.Access, cancellationToken);
        var backup = await KeptAsync(backupId, cancellationToken);
        return await operations.RequestAsync(caller, new OperationRequest(BackupKinds.Verify, ManagedDatabaseCatalog.Target(backup.Database),
            $"Verify backup {backup.FileName}", NeedsApproval: false,
            new Dictionary<string, string> { ["database"] = backup.Database, ["backup"] = backup.Id.ToString() }), cancellationToken);
    }

    /// <summary>
    /// Requests the deletion of a backup (an operation: on a database that <c>RequireApproval</c>, it waits for a second
    /// person, since it throws away a recovery point). The newest verified backup is refused at once: it is the one a
    /// restore would use.
    /// </summary>
    /// <exception cref="OperationRefusedException">The newest verified backup, or the database is busy.</exception>
    public async Task<OperationView> DeleteAsync(ClaimsPrincipal caller, Guid backupId, string? reason, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, BackupKinds.Access, cancellationToken);
        var backup = await KeptAsync(backupId, cancellationToken);
        await RefuseNewestVerifiedAsync(db, backup, cancellationToken);
        var database = Require(backup.Database);
        var why = string.IsNullOrWhiteSpace(reason) ? "deleted by hand" : reason.Trim();
        return await operations.RequestAsync(caller, new OperationRequest(BackupKinds.Delete, ManagedDatabaseCatalog.Target(backup.Database),
            $"Delete backup {backup.FileName}", database.Options.RequireApproval,
            new Dictionary<string, string> { ["database"] = backup.Database, ["backup"] = backup.Id.ToString(), ["reason"] = why.Length > 500 ? why[..500] : why }),
            cancellationToken);
    }

    internal static async Task RefuseNewestVerifiedAsync(ConsoleDbContext db, StoredBackup backup, CancellationToken cancellationToken)
    {
        var newestVerified = await db.Backups.AsNoTracking()
            .Where(b => b.Database == backup.Database && b.DeletedAt == null && b.Verified)
            .OrderByDescending(b => b.CompletedAt).Select(b => (Guid?)b.Id).FirstOrDefaultAsync(cancellationToken);
        if (newestVerified == backup.Id)
        {
            throw new OperationRefusedException(
                $"{backup.FileName} is the newest verified backup of {backup.Database}, the one a restore would use; take a newer backup before deleting it.",
                OperationRefusal.WrongState);
        }
    }

    /// <summary>Opens a backup's file for download; the download is audited (a dump holds every row of the database).</summary>
    public async Task<(BackupView Backup, Stream Content)> OpenDownloadAsync(ClaimsPrincipal caller, Guid backupId, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, BackupKinds.Access, cancellationToken);
        var backup = await KeptAsync(backupId, cancellationToken);
        var path = storage.PathOf(backup);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The file of backup {backup.FileName} is missing from {Path.GetDirectoryName(path)}.");
        }

        await actions.RunAsync(caller, async work =>
        {
            await work.RecordAsync("backups.downloaded", "backup", backupId.ToString(), ("database", backup.Database), ("file", backup.FileName),
                ("size_bytes", backup.SizeBytes.ToString(CultureInfo.InvariantCulture)), ("sha256", backup.Sha256));
            return true;
        }, cancellationToken);
        return (View(backup), new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
    }

    private ManagedDatabase Require(string name) =>
        catalog.Find(name) ?? throw new KeyNotFoundException($"\"{name}\" is not a managed database (ManagedDatabases:{name}).");

    private async Task<StoredBackup> KeptAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Backups.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id && b.DeletedAt == null, cancellationToken)
        ?? throw new KeyNotFoundException($"Backup {id} is not in the inventory (deleted or expired).");

    public static BackupView View(StoredBackup b)
    {
        ArgumentNullException.ThrowIfNull(b);
        var manifest = BackupKinds.Manifest(b);
        return new BackupView(b.Id, b.Database, b.Purpose, b.StartedAt, b.CompletedAt, b.FileName, b.SizeBytes, b.Sha256, b.DurationSeconds,
            b.PgDumpVersion, b.ServerVersion, manifest.Count, manifest.Values.Sum(), b.Verified, b.VerifiedAt, b.VerifyError, b.OperationId);
    }

    public static DrillView View(StoredDrill d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new DrillView(d.Id, d.Database, d.BackupId, d.At, d.Succeeded, d.RestoreSeconds, d.Error);
    }
}
