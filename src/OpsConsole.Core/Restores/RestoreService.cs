using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Data;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Restores;

/// <summary>
/// Restores of managed databases: plan (the preflight, stored so the restore runs what was planned), request with the
/// typed confirmation (an operation, awaiting a second person when the database is protected or requires approval),
/// the history, and the swap back. Acting needs <see cref="ConsolePolicies.RestoresAct"/>; reading <see cref="ConsolePolicies.BackupsRead"/>.
/// </summary>
public sealed class RestoreService(
    ConsoleDbContext db,
    AuditedActions actions,
    OperationService operations,
    ManagedDatabaseCatalog catalog,
    RestorePlanner planner,
    TimeProvider time)
{
    public static readonly AccessRule ActRule = new(ConsolePolicies.RestoresAct, "restores.access", "database", "Restores need the Admin or Sre role.");

    private static readonly AccessRule ReadRule = new(ConsolePolicies.BackupsRead, "restores.read", "database", "Your roles may not see restores.");

    /// <summary>Makes and stores a plan (audited): everything the page shows before anything happens.</summary>
    /// <exception cref="KeyNotFoundException">Not a managed database.</exception>
    /// <exception cref="RestorePlanException">No usable backup, a bad mode or new database name (names the field).</exception>
    public async Task<RestorePlanView> PlanAsync(ClaimsPrincipal caller, string database, RestorePlanRequest request, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ActRule, cancellationToken);
        var (view, row) = await planner.PlanAsync(caller, database, request, cancellationToken);
        await actions.RunAsync(caller, async work =>
        {
            db.RestorePlans.Add(row);
            await db.SaveChangesAsync(cancellationToken);
            await work.RecordAsync("restores.planned", "database", database, ("plan", row.Id.ToString()), ("mode", row.Mode), ("backup", row.BackupId.ToString()),
                ("new_database", row.NewDatabase), ("problems", view.Problems.Count == 0 ? null : string.Join("; ", view.Problems)));
            return true;
        }, cancellationToken);
        return view;
    }

    public async Task<RestorePlanView?> GetPlanAsync(ClaimsPrincipal caller, Guid planId, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var row = await db.RestorePlans.AsNoTracking().SingleOrDefaultAsync(p => p.Id == planId, cancellationToken);
        return row is null ? null : PlanView(row);
    }

    /// <summary>
    /// Requests the restore a plan describes. The caller types the database's name (<see cref="RestoreConfirmation"/>);
    /// the plan must be unexpired, without problems, and still true (<see cref="RestorePlanner.ChangedSinceAsync"/>).
    /// </summary>
    /// <exception cref="RestorePlanException">A wrong confirmation, an expired or stale plan, or one with problems (names the field).</exception>
    /// <exception cref="OperationRefusedException">Another operation holds the database.</exception>
    public async Task<OperationView> RequestAsync(ClaimsPrincipal caller, string database, Guid planId, string? confirmation, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ActRule, cancellationToken);
        var managed = catalog.Find(database) ?? throw new KeyNotFoundException($"\"{database}\" is not a managed database (ManagedDatabases).");
        var plan = await db.RestorePlans.AsNoTracking().SingleOrDefaultAsync(p => p.Id == planId && p.Database == managed.Name, cancellationToken)
                   ?? throw new RestorePlanException("planId", $"There is no restore plan {planId} for {database}; plan the restore first.");
        var view = PlanView(plan);
        if (!RestoreConfirmation.Matches(view.Confirmation, confirmation))
        {
            throw new RestorePlanException("confirmation", $"Type the database name \"{view.Confirmation}\" exactly to confirm the restore.");
        }

        if (time.GetUtcNow() > plan.ExpiresAt)
        {
            throw new RestorePlanException("planId", $"The plan expired at {plan.ExpiresAt:yyyy-MM-dd HH:mm} UTC; its facts are stale. Plan the restore again.");
        }

        if (view.Problems.Count > 0)
        {
            throw new RestorePlanException("planId", $"The plan cannot run: {string.Join("; ", view.Problems)}.");
        }

        if (await planner.ChangedSinceAsync(plan, cancellationToken) is { } changed)
        {
            throw new RestorePlanException("planId", $"The plan changed since it was made: {changed}. Plan the restore again.");
        }

        var title = plan.Mode == RestoreModes.NewDatabase
            ? $"Restore {database} into the new database {plan.NewDatabase}"
            : $"Restore {database} from {view.Backup.FileName}";
        var operation = await operations.RequestAsync(caller, new OperationRequest(
            RestoreKinds.Restore, ManagedDatabaseCatalog.Target(managed.Name), title, view.NeedsApproval,
            new Dictionary<string, string> { ["database"] = managed.Name, ["plan"] = plan.Id.ToString() }), cancellationToken);
        await RestoreOperation.EnsureRowAsync(db, RestoreOperation.NewRow(plan, operation.Id, operation.RequestedBy, operation.RequestedAt), CancellationToken.None);
        return operation;
    }

    /// <summary>
    /// Swaps the database a restore set aside back in (typed confirmation: the database's name). The restored one is set
    /// aside in its turn and kept as long, so a swap back can itself be undone; it needs no second approval (it is the
    /// undo of an approved action and loses nothing).
    /// </summary>
    public async Task<OperationView> SwapBackAsync(ClaimsPrincipal caller, Guid restoreId, string? confirmation, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ActRule, cancellationToken);
        var restore = await db.Restores.AsNoTracking().SingleOrDefaultAsync(r => r.Id == restoreId, cancellationToken)
                      ?? throw new KeyNotFoundException($"There is no restore {restoreId}.");
        if (!View(restore, OperationState.Succeeded, null).CanSwapBackAt(time.GetUtcNow()))
        {
            throw new RestorePlanException("restore", restore.SetAsideDroppedAt is not null || restore.KeepUntil <= time.GetUtcNow()
                ? $"The database {restore.SetAside} was dropped after its keep time; restore a backup instead (the pre-restore backup is in the inventory)."
                : $"Restore {restoreId} has nothing to swap back (it is {restore.Phase}).");
        }

        if (!RestoreConfirmation.Matches(restore.Database, confirmation))
        {
            throw new RestorePlanException("confirmation", $"Type the database name \"{restore.Database}\" exactly to confirm the swap back.");
        }

        var operation = await operations.RequestAsync(caller, new OperationRequest(
            RestoreKinds.SwapBack, ManagedDatabaseCatalog.Target(restore.Database), $"Swap {restore.Database} back to {restore.SetAside}", NeedsApproval: false,
            new Dictionary<string, string> { ["database"] = restore.Database, ["restore"] = restore.Id.ToString() }), cancellationToken);
        return operation;
    }

    /// <summary>A database's restores (and swap backs), newest first, with their operations' states.</summary>
    public async Task<IReadOnlyList<RestoreView>> ListAsync(ClaimsPrincipal caller, string database, int limit = 50, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var rows = await db.Restores.AsNoTracking().Where(r => r.Database == database).OrderByDescending(r => r.RequestedAt)
            .Take(Math.Clamp(limit, 1, 500)).ToListAsync(cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        var states = await db.Operations.AsNoTracking().Where(o => ids.Contains(o.Id)).Select(o => new { o.Id, o.State }).ToDictionaryAsync(o => o.Id, o => o.State, cancellationToken);
        var backupIds = rows.Select(r => r.BackupId).Distinct().ToList();
        var files = await db.Backups.AsNoTracking().Where(b => backupIds.Contains(b.Id)).Select(b => new { b.Id, b.FileName }).ToDictionaryAsync(b => b.Id, b => b.FileName, cancellationToken);
        return [.. rows.Select(r => View(r, states.GetValueOrDefault(r.Id, OperationState.Failed), files.GetValueOrDefault(r.BackupId)))];
    }

    public async Task<RestoreView?> GetAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var row = await db.Restores.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var state = await db.Operations.AsNoTracking().Where(o => o.Id == id).Select(o => (OperationState?)o.State).SingleOrDefaultAsync(cancellationToken);
        var file = await db.Backups.AsNoTracking().Where(b => b.Id == row.BackupId).Select(b => b.FileName).SingleOrDefaultAsync(cancellationToken);
        return View(row, state ?? OperationState.Failed, file);
    }

    public Task<bool> MayActAsync(ClaimsPrincipal caller) => actions.IsAllowedAsync(caller, ConsolePolicies.RestoresAct);

    public static RestorePlanView PlanView(StoredRestorePlan row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return JsonSerializer.Deserialize<RestorePlanView>(row.Details, RestorePlanner.Json)
               ?? throw new InvalidOperationException($"restore plan {row.Id} has no details");
    }

    public static RestoreView View(StoredRestore r, OperationState state, string? backupFile)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new RestoreView(
            r.Id, r.Database, r.Mode, r.BackupId, backupFile, r.Phase, state, r.RequestedBy, r.ApprovedBy, r.RequestedAt, r.StartedAt, r.SwappedAt,
            r.EndedAt, r.RestoreSeconds, r.SwapMilliseconds, r.RestoredInto, r.SetAside, r.KeepUntil, r.SwappedBackAt, r.SwappedBackBy,
            r.SetAsideDroppedAt, r.PreRestoreBackupId, r.Error);
    }
}
