using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Data;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// Schema migrations of managed databases: the status (files against the target's history table, with the SQL, lock
/// flags, drift and who holds the lock), and requests to rehearse, apply and undo, each an operation. Acting needs
/// <see cref="ConsolePolicies.MigrationsAct"/>; reading <see cref="ConsolePolicies.BackupsRead"/>.
/// </summary>
public sealed class MigrationService(
    ConsoleDbContext db,
    AuditedActions actions,
    OperationService operations,
    ManagedDatabaseCatalog databases,
    MigrationCatalog catalog)
{
    public static readonly AccessRule ActRule = new(ConsolePolicies.MigrationsAct, "migrations.access", "database", "Schema migrations need the Admin or Sre role.");

    private static readonly AccessRule ReadRule = new(ConsolePolicies.BackupsRead, "migrations.read", "database", "Your roles may not see schema migrations.");

    // A status read must not hang a page on an unreachable server.
    private const int ConnectTimeoutSeconds = 5;

    /// <exception cref="KeyNotFoundException">Not a managed database.</exception>
    public async Task<MigrationsView> GetAsync(ClaimsPrincipal caller, string database, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var managed = databases.Find(database) ?? throw new KeyNotFoundException($"\"{database}\" is not a managed database (ManagedDatabases).");
        var needsApproval = managed.Options.RequireApproval || managed.Options.Protected;
        if (catalog.Find(database) is not { } target)
        {
            return new MigrationsView(database, false, null, null, [], [], [], "", null, null, await LastRunAsync(database, cancellationToken), null, needsApproval, []);
        }

        var (folder, history, holder, unreachable) = await ReadAsync(target, cancellationToken);
        var status = MigrationStatus.Compute(folder, MigrationHistory.Effective(history));
        var plan = MigrationPlan.Make(folder, status, target.OutOfOrder);
        var blockers = plan.Blockers.ToList();
        if (unreachable is not null)
        {
            blockers.Insert(0, $"the history cannot be read: {unreachable}");
        }

        var rehearsal = plan.Steps.Count == 0 ? null : await LatestRehearsalAsync(database, plan.Fingerprint, cancellationToken);
        return new MigrationsView(
            database, true, target.Folder, unreachable,
            [.. status.Select(e => Entry(e, folder))],
            blockers,
            [.. plan.Steps.Select(Planned)],
            plan.Fingerprint,
            holder,
            rehearsal,
            await LastRunAsync(database, cancellationToken),
            UndoOf(status, folder),
            needsApproval,
            [.. history.OrderByDescending(h => h.Rank).Take(100)]);
    }

    /// <summary>Rehearses the pending migrations (up to <paramref name="upTo"/>) on a copy restored from the newest verified backup.</summary>
    public async Task<OperationView> RehearseAsync(ClaimsPrincipal caller, string database, string? upTo = null, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ActRule, cancellationToken);
        var (target, plan, version) = await PlanAsync(database, upTo, requireApplicable: true, cancellationToken);
        if (plan.Steps.Count == 0)
        {
            throw new MigrationRequestException("upTo", $"{database} has no pending migration{(version is null ? "" : " up to " + version)} to rehearse.");
        }

        var hasBackup = await db.Backups.AsNoTracking().AnyAsync(b => b.Database == database && b.DeletedAt == null && b.Verified, cancellationToken);
        if (!hasBackup)
        {
            throw new MigrationRequestException("database", $"{database} has no verified backup to rehearse on; take a backup first.");
        }

        return await RequestAsync(caller, target, MigrationRunKinds.Rehearsal, plan, version, $"Rehearse {Count(plan.Steps.Count)} on a copy of {database}", false, null, cancellationToken);
    }

    /// <summary>
    /// Applies the pending migrations (up to <paramref name="upTo"/>). <paramref name="fingerprint"/>, when given, is the
    /// plan the caller saw: a different one (files changed, someone applied meanwhile) is refused.
    /// </summary>
    public async Task<OperationView> ApplyAsync(ClaimsPrincipal caller, string database, string? fingerprint = null, string? upTo = null, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ActRule, cancellationToken);
        var (target, plan, version) = await PlanAsync(database, upTo, requireApplicable: true, cancellationToken);
        if (!string.IsNullOrEmpty(fingerprint) && !string.Equals(fingerprint, plan.Fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            throw new MigrationRequestException("fingerprint",
                $"The pending migrations of {database} changed since you looked (now {plan.ShortFingerprint}, you saw {fingerprint[..Math.Min(12, fingerprint.Length)]}); review them again.");
        }

        var rehearsal = await LatestRehearsalAsync(database, plan.Fingerprint, cancellationToken);
        var managed = target.Database.Options;
        return await RequestAsync(caller, target, MigrationRunKinds.Apply, plan, version, $"Apply {Count(plan.Steps.Count)} to {database}",
            managed.RequireApproval || managed.Protected, rehearsal?.Id, cancellationToken);
    }

    /// <summary>Runs the undo script of <paramref name="version"/>, which must be the newest applied (or failed) migration.</summary>
    public async Task<OperationView> UndoAsync(ClaimsPrincipal caller, string database, string? version, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ActRule, cancellationToken);
        var target = Target(database);
        var (folder, history, _, unreachable) = await ReadAsync(target, cancellationToken);
        if (unreachable is not null)
        {
            throw new MigrationRequestException("database", $"The history of {database} cannot be read: {unreachable}");
        }

        var status = MigrationStatus.Compute(folder, MigrationHistory.Effective(history));
        var undo = UndoOf(status, folder);
        if (undo is null || !string.Equals(undo.Version, version, StringComparison.Ordinal))
        {
            throw new MigrationRequestException("version", undo is null
                ? $"{database} has nothing to undo: the newest applied migration has no U<version>__….sql script."
                : $"Only the newest applied migration can be undone: version {undo.Version} ({undo.UndoFileName}), not {version}.");
        }

        var file = folder.Undo[folder.Migrations.First(m => m.Version.Text == undo.Version).Version];
        var plan = new MigrationPlan([file], [], MigrationPlan.FingerprintOf([file]));
        var managed = target.Database.Options;
        return await RequestAsync(caller, target, MigrationRunKinds.Undo, plan, undo.Version, $"Undo version {undo.Version} of {database} ({file.FileName})",
            managed.RequireApproval || managed.Protected, null, cancellationToken);
    }

    public async Task<MigrationRunView?> GetRunAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var row = await db.MigrationRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        return row is null ? null : await ViewAsync(row, cancellationToken);
    }

    /// <summary>A database's rehearsals, applies and undos, newest first.</summary>
    public async Task<IReadOnlyList<MigrationRunView>> ListRunsAsync(ClaimsPrincipal caller, string database, int limit = 50, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var rows = await db.MigrationRuns.AsNoTracking().Where(r => r.Database == database).OrderByDescending(r => r.RequestedAt)
            .Take(Math.Clamp(limit, 1, 500)).ToListAsync(cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        var states = await db.Operations.AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.State, cancellationToken);
        return [.. rows.Select(r => View(r, states.GetValueOrDefault(r.Id, OperationState.Failed)))];
    }

    public Task<bool> MayActAsync(ClaimsPrincipal caller) => actions.IsAllowedAsync(caller, ConsolePolicies.MigrationsAct);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal static PlannedMigration Planned(MigrationFile file) =>
        new(file.Version.Text, file.FileName, file.Checksum, MigrationSql.IsNonTransactional(file.Sql), file.IsUndo);

    public static MigrationRunView View(StoredMigrationRun r, OperationState state)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new MigrationRunView(
            r.Id, r.Database, r.Kind, state, r.Fingerprint,
            JsonSerializer.Deserialize<List<PlannedMigration>>(r.Plan, Json) ?? [],
            r.UpTo, r.RehearsalId, r.BackupId, r.BackupFile, r.RequestedBy, r.RequestedAt, r.EndedAt, r.Succeeded, r.Error, r.FailedFile, r.FailedLine,
            JsonSerializer.Deserialize<List<MigrationOutcome>>(r.Outcomes, Json) ?? [],
            r.Warning);
    }

    /// <summary>The folder, the history, the lock's holder, or why the database could not be read.</summary>
    internal static async Task<(MigrationFolder Folder, IReadOnlyList<HistoryRow> History, MigrationLockHolder? Holder, string? Unreachable)> ReadAsync(
        MigrationTarget target, ManagedDatabaseCatalog databases, CancellationToken ct)
    {
        var folder = MigrationFiles.Read(target.Folder);
        try
        {
            var builder = EngineConnections.Parse(databases.ConnectionString(target.Database));
            builder.Timeout = ConnectTimeoutSeconds;
            await using var connection = await EngineConnections.OpenAsync(builder, ct);
            var history = await MigrationHistory.ReadAsync(connection, ct);
            return (folder, history, await MigrationRunner.HolderAsync(connection, ct), null);
        }
        catch (Exception ex) when (ex is DatabaseConnectionException or NpgsqlException or TimeoutException)
        {
            return (folder, [], null, ex.Message);
        }
    }

    private Task<(MigrationFolder Folder, IReadOnlyList<HistoryRow> History, MigrationLockHolder? Holder, string? Unreachable)> ReadAsync(MigrationTarget target, CancellationToken ct) =>
        ReadAsync(target, databases, ct);

    private MigrationTarget Target(string database)
    {
        _ = databases.Find(database) ?? throw new KeyNotFoundException($"\"{database}\" is not a managed database (ManagedDatabases).");
        return catalog.Find(database)
               ?? throw new MigrationRequestException("database", $"{database} has no migrations folder (set {ManagedDatabaseOptions.Section}:{database}:Migrations:Path).");
    }

    private async Task<(MigrationTarget Target, MigrationPlan Plan, string? UpTo)> PlanAsync(string database, string? upTo, bool requireApplicable, CancellationToken ct)
    {
        var target = Target(database);
        MigrationVersion? version = null;
        if (!string.IsNullOrWhiteSpace(upTo) && !MigrationVersion.TryParse(upTo.Trim(), out version))
        {
            throw new MigrationRequestException("upTo", $"\"{upTo}\" is not a migration version such as 3 or 1.2.");
        }

        var (folder, history, holder, unreachable) = await ReadAsync(target, ct);
        if (unreachable is not null)
        {
            throw new MigrationRequestException("database", $"The history of {database} cannot be read: {unreachable}");
        }

        if (holder is not null)
        {
            throw new OperationRefusedException($"The migrations of {database} are locked by {holder.Describe()}; try again when it is done.", OperationRefusal.TargetBusy);
        }

        var plan = MigrationPlan.Make(folder, MigrationStatus.Compute(folder, MigrationHistory.Effective(history)), target.OutOfOrder, version);
        if (plan.Steps.Count == 0)
        {
            throw new MigrationRequestException("upTo", $"{database} has no pending migration{(version is null ? "" : " up to " + version)}.");
        }

        if (requireApplicable && plan.Blockers.Count > 0)
        {
            throw new MigrationRequestException("database", $"The migrations of {database} cannot be applied: {string.Join("; ", plan.Blockers)}.");
        }

        return (target, plan, version?.Text);
    }

    private async Task<OperationView> RequestAsync(
        ClaimsPrincipal caller, MigrationTarget target, string kind, MigrationPlan plan, string? upTo, string title, bool needsApproval, Guid? rehearsal, CancellationToken ct)
    {
        var operationKind = kind switch
        {
            MigrationRunKinds.Rehearsal => MigrationKinds.Rehearse,
            MigrationRunKinds.Undo => MigrationKinds.Undo,
            _ => MigrationKinds.Apply,
        };
        var parameters = new Dictionary<string, string>
        {
            ["database"] = target.Name,
            ["fingerprint"] = plan.Fingerprint,
            ["migrations"] = string.Join(", ", plan.Steps.Select(s => s.FileName)),
        };
        if (upTo is not null)
        {
            parameters[kind == MigrationRunKinds.Undo ? "version" : "upTo"] = upTo;
        }

        if (rehearsal is { } r)
        {
            parameters["rehearsal"] = r.ToString();
        }

        var operation = await operations.RequestAsync(caller, new OperationRequest(operationKind, ManagedDatabaseCatalog.Target(target.Name), title, needsApproval, parameters), ct);
        await MigrationRuns.EnsureAsync(db, new StoredMigrationRun
        {
            Id = operation.Id,
            Database = target.Name,
            Kind = kind,
            Fingerprint = plan.Fingerprint,
            Plan = JsonSerializer.Serialize(plan.Steps.Select(Planned), Json),
            UpTo = kind == MigrationRunKinds.Undo ? null : upTo,
            RehearsalId = rehearsal,
            RequestedBy = operation.RequestedBy,
            RequestedAt = operation.RequestedAt,
        }, CancellationToken.None);
        await actions.RunAsync(caller, async work =>
        {
            await work.RecordAsync($"migrations.{kind}.requested", "database", target.Name,
                ("operation", operation.Id.ToString()), ("fingerprint", plan.Fingerprint),
                ("files", string.Join(", ", plan.Steps.Select(s => $"{s.FileName} sha256:{s.Checksum}"))),
                ("rehearsal", rehearsal?.ToString()), ("needs_approval", needsApproval ? "true" : "false"));
            return true;
        }, CancellationToken.None);
        return operation;
    }

    private async Task<MigrationRunView?> LatestRehearsalAsync(string database, string fingerprint, CancellationToken ct)
    {
        var row = await db.MigrationRuns.AsNoTracking()
            .Where(r => r.Database == database && r.Fingerprint == fingerprint && r.Kind == MigrationRunKinds.Rehearsal)
            .OrderByDescending(r => r.RequestedAt).FirstOrDefaultAsync(ct);
        return row is null ? null : await ViewAsync(row, ct);
    }

    private async Task<MigrationRunView?> LastRunAsync(string database, CancellationToken ct)
    {
        var row = await db.MigrationRuns.AsNoTracking()
            .Where(r => r.Database == database && r.Kind != MigrationRunKinds.Rehearsal)
            .OrderByDescending(r => r.RequestedAt).FirstOrDefaultAsync(ct);
        return row is null ? null : await ViewAsync(row, ct);
    }

    private async Task<MigrationRunView> ViewAsync(StoredMigrationRun row, CancellationToken ct)
    {
        var state = await db.Operations.AsNoTracking().Where(o => o.Id == row.Id).Select(o => (OperationState?)o.State).SingleOrDefaultAsync(ct);
        return View(row, state ?? OperationState.Failed);
    }

    private static MigrationEntryView Entry(MigrationStatusEntry e, MigrationFolder folder)
    {
        var file = e.File;
        var transactional = file is null || !MigrationSql.IsNonTransactional(file.Sql);
        var undo = folder.Undo.GetValueOrDefault(e.Version);
        return new MigrationEntryView(
            e.Version.Text, e.Description, e.State, e.Explanation, file?.FileName, file?.Checksum, e.Applied?.Checksum, e.Applied?.AppliedBy, e.Applied?.AppliedAt,
            e.Applied?.DurationSeconds, !transactional, file is null ? 0 : MigrationSql.Split(file.Sql).Count,
            file is null ? [] : [.. MigrationSql.Flag(file.Sql, transactional).Select(f => new MigrationFlagView(f.Line, f.Severity, f.Lock, f.Why))],
            file?.Sql, undo?.FileName, undo?.Sql);
    }

    private static UndoCandidate? UndoOf(IReadOnlyList<MigrationStatusEntry> status, MigrationFolder folder) =>
        UndoTarget(status) is { File: { } file } newest && folder.Undo.TryGetValue(newest.Version, out var undo)
            ? new UndoCandidate(newest.Version.Text, file.FileName, undo.FileName, newest.State)
            : null;

    /// <summary>
    /// What an undo reverts: the newest migration that left something in the database — applied, or failed while
    /// non-transactional (its first statements committed). A failed transactional one left nothing, so it is skipped,
    /// as Flyway's undo reverts the newest successfully applied version.
    /// </summary>
    internal static MigrationStatusEntry? UndoTarget(IReadOnlyList<MigrationStatusEntry> status) =>
        status.Where(e => e.Applied is not null && (e.State is MigrationState.Applied or MigrationState.Changed or MigrationState.Missing
                          || (e.State == MigrationState.Failed && e.File is not null && MigrationSql.IsNonTransactional(e.File.Sql))))
            .MaxBy(e => e.Version);

    private static string Count(int n) => n == 1 ? "1 migration" : $"{n} migrations";
}

/// <summary>Writes a run's row once, whoever comes first: the request, or the operation that started before the request wrote it.</summary>
internal static class MigrationRuns
{
    public static async Task EnsureAsync(ConsoleDbContext db, StoredMigrationRun row, CancellationToken ct)
    {
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO console.migration_runs (id, database, kind, fingerprint, plan, up_to, rehearsal_id, requested_by, requested_at, outcomes)
            VALUES ({row.Id}, {row.Database}, {row.Kind}, {row.Fingerprint}, {row.Plan}::jsonb, {row.UpTo}, {row.RehearsalId}, {row.RequestedBy}, {row.RequestedAt}, '[]'::jsonb)
            ON CONFLICT (id) DO NOTHING
            """, ct);
    }
}
