using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Migrations;

/// <summary>A database's migrations changed: applied, failed, undone, or a rehearsal ended.</summary>
public sealed record MigrationsChanged(string Database);

public static class MigrationTopics
{
    public static LiveTopic<MigrationsChanged> Changed { get; } = new("migrations.changed", Distributed: true);
}

/// <summary>The operation kinds of schema migrations.</summary>
public static class MigrationKinds
{
    public const string Rehearse = "migration-rehearsal";
    public const string Apply = "migration-apply";
    public const string Undo = "migration-undo";

    public static IReadOnlyList<string> All { get; } = [Rehearse, Apply, Undo];
}

/// <summary>What the three kinds share: finding the target, planning again at run time, recording each file's outcome.</summary>
public sealed class MigrationSteps(ManagedDatabaseCatalog databases, MigrationCatalog catalog, ConsoleDbContext db, AuditedActions actions, TimeProvider time)
{
    public MigrationTarget Target(OperationRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return catalog.Find(run.Parameter("database"))
               ?? throw new InvalidOperationException($"\"{run.Parameter("database")}\" no longer has a migrations folder (ManagedDatabases:<name>:Migrations:Path).");
    }

    public string ConnectionString(MigrationTarget target) => databases.ConnectionString(target.Database);

    /// <summary>The folder and the history as they are now.</summary>
    /// <exception cref="InvalidOperationException">The database cannot be read.</exception>
    public async Task<(MigrationFolder Folder, IReadOnlyList<HistoryRow> History)> ReadAsync(MigrationTarget target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var (folder, history, _, unreachable) = await MigrationService.ReadAsync(target, databases, ct);
        return unreachable is null ? (folder, history) : throw new InvalidOperationException($"the history of {target.Name} cannot be read: {unreachable}");
    }

    /// <summary>The plan as it is now; refuses when it is not what was requested (and approved).</summary>
    public async Task<(MigrationFolder Folder, MigrationPlan Plan)> PlanAsync(MigrationTarget target, OperationRun run, IOperationContext ctx)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(ctx);
        var (folder, history) = await ReadAsync(target, ctx.Cancellation);
        var plan = PlanOf(folder, history, target, run);
        var expected = run.Parameter("fingerprint");
        if (!string.Equals(plan.Fingerprint, expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"the pending migrations changed since they were requested (now {Describe(plan)}); nothing was applied. Request it again so the SQL can be reviewed.");
        }

        if (plan.Blockers.Count > 0)
        {
            throw new InvalidOperationException($"the migrations cannot be applied: {string.Join("; ", plan.Blockers)}");
        }

        return (folder, plan);
    }

    public static MigrationPlan PlanOf(MigrationFolder folder, IReadOnlyList<HistoryRow> history, MigrationTarget target, OperationRun run)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(run);
        MigrationVersion? upTo = null;
        if (run.Parameters.TryGetValue("upTo", out var text))
        {
            _ = MigrationVersion.TryParse(text, out upTo);
        }

        return MigrationPlan.Make(folder, MigrationStatus.Compute(folder, MigrationHistory.Effective(history)), target.OutOfOrder, upTo);
    }

    /// <summary>Under the lock: the history must still lead to the same plan (another console or tool may have applied meanwhile).</summary>
    public static Func<IReadOnlyList<HistoryRow>, string?> StillPlanned(MigrationFolder folder, MigrationTarget target, OperationRun run, string fingerprint) =>
        history => PlanOf(folder, history, target, run) is var now && now.Fingerprint == fingerprint
            ? null
            : $"someone applied migrations to {target.Name} meanwhile (the plan is now {Describe(PlanOf(folder, history, target, run))}); nothing was applied";

    public MigrationRunSettings Settings(MigrationTarget target, OperationRun run, string what) =>
        new(target.LockTimeout, target.StatementTimeout, By(run), run.Id, $"opsconsole {what} op {run.Id.ToString("N")[..8]} by {run.RequestedBy}");

    public static string By(OperationRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.ApprovedBy is null ? run.RequestedBy : $"{run.RequestedBy} (approved by {run.ApprovedBy})";
    }

    public async Task EnsureRowAsync(OperationRun run, string kind, MigrationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(plan);
        await MigrationRuns.EnsureAsync(db, new StoredMigrationRun
        {
            Id = run.Id,
            Database = run.Parameter("database"),
            Kind = kind,
            Fingerprint = plan.Fingerprint,
            Plan = JsonSerializer.Serialize(plan.Steps.Select(MigrationService.Planned), MigrationService.Json),
            UpTo = run.Parameters.GetValueOrDefault("upTo"),
            RehearsalId = run.Parameters.TryGetValue("rehearsal", out var r) && Guid.TryParse(r, out var id) ? id : null,
            RequestedBy = run.RequestedBy,
            RequestedAt = run.RequestedAt,
        }, CancellationToken.None);
    }

    public Task SetBackupAsync(Guid runId, Guid backupId, string file) =>
        db.MigrationRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.BackupId, backupId).SetProperty(r => r.BackupFile, file), CancellationToken.None);

    /// <summary>Records a finished file (audited with its checksum) and tells every page.</summary>
    public async Task RecordOutcomeAsync(OperationRun run, string database, MigrationOutcome outcome, bool rehearsal, List<MigrationOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(outcomes);
        outcomes.Add(outcome);
        var json = JsonSerializer.Serialize(outcomes, MigrationService.Json);
        var action = rehearsal ? "migrations.rehearsed_file" : outcome.IsUndo ? "migrations.undone" : "migrations.applied";
        await actions.RunAsync(AuditActors.System, async work =>
        {
            await db.MigrationRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Outcomes, json), CancellationToken.None);
            await work.RecordAsync(action, "database", database, outcome.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Failed,
                ("version", outcome.Version), ("file", outcome.FileName), ("checksum", outcome.Checksum),
                ("seconds", outcome.Seconds.ToString("0.###", CultureInfo.InvariantCulture)), ("error", outcome.Error),
                ("operation", run.Id.ToString()), ("requested_by", run.RequestedBy), ("approved_by", run.ApprovedBy));
            work.Publish(MigrationTopics.Changed, new MigrationsChanged(database));
            return true;
        }, CancellationToken.None);
    }

    /// <summary>Ends the run's row (success or the first failure with its file and line).</summary>
    public async Task FinishAsync(Guid runId, string database, IReadOnlyList<MigrationOutcome> outcomes, string? error, string? warning = null)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var failed = outcomes.FirstOrDefault(o => !o.Succeeded);
        var now = time.GetUtcNow();
        var succeeded = error is null && failed is null;
        var message = error ?? failed?.Error;
        await db.MigrationRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.EndedAt, now)
            .SetProperty(r => r.Succeeded, succeeded)
            .SetProperty(r => r.Error, message == null ? null : message.Length > 4000 ? message[..4000] : message)
            .SetProperty(r => r.FailedFile, failed == null ? null : failed.FileName)
            .SetProperty(r => r.FailedLine, failed == null ? null : failed.FailedLine)
            .SetProperty(r => r.Warning, warning), CancellationToken.None);
        actions.Publish(MigrationTopics.Changed, new MigrationsChanged(database));
    }

    internal static string Describe(MigrationPlan plan) =>
        plan.Steps.Count == 0 ? "nothing pending" : $"{string.Join(", ", plan.Steps.Select(s => s.FileName))}, fingerprint {plan.ShortFingerprint}";
}

/// <summary>
/// "migration-apply": checks the plan is still the one requested, takes a pre-migration backup, then applies each
/// migration in its own transaction under the database's migration lock. A failure stops the run and says how to go
/// back: the undo script of what this run applied, or a restore of the pre-migration backup.
/// </summary>
public sealed class ApplyMigrationsOperation(MigrationSteps steps, BackupTaker taker) : IOperationKind
{
    public string Name => MigrationKinds.Apply;

    public AccessRule Access => MigrationService.ActRule;

    // Stopping halfway through a schema change is not safe for a non-transactional migration; a transactional one is short.
    public bool CancellableWhileRunning => false;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var target = steps.Target(run);
        var numbered = new OperationSteps(context, ["check the plan", "pre-migration backup", "apply"]);
        var check = numbered.Enter(1);
        var (folder, plan) = await steps.PlanAsync(target, run, check);
        await steps.EnsureRowAsync(run, MigrationRunKinds.Apply, plan);
        check.Log($"{plan.Steps.Count} migration(s) to apply: {MigrationSteps.Describe(plan)}");

        var backupCtx = numbered.Enter(2);
        var (backup, _) = await taker.TakeAsync(target.Database, BackupPurposes.PreMigration, run, backupCtx);
        await steps.SetBackupAsync(run.Id, backup.Id, backup.FileName);
        backupCtx.Log($"pre-migration backup {backup.FileName} is in the inventory ({BackupKinds.Size(backup.SizeBytes)}): restore it to go back");

        var apply = numbered.Enter(3);
        var outcomes = new List<MigrationOutcome>();
        var done = 0;
        try
        {
            await MigrationRunner.RunAsync(
                EngineConnections.Parse(steps.ConnectionString(target)), plan.Steps, steps.Settings(target, run, "migrate"), apply,
                MigrationSteps.StillPlanned(folder, target, run, plan.Fingerprint),
                async outcome =>
                {
                    await steps.RecordOutcomeAsync(run, target.Name, outcome, rehearsal: false, outcomes);
                    apply.Progress(++done / (double)plan.Steps.Count, $"{done} of {plan.Steps.Count} applied");
                });
        }
        catch (Exception ex) when (ex is MigrationLockedException or InvalidOperationException or DatabaseConnectionException or NpgsqlException)
        {
            await steps.FinishAsync(run.Id, target.Name, outcomes, ex.Message);
            throw;
        }

        var failed = outcomes.FirstOrDefault(o => !o.Succeeded);
        if (failed is null)
        {
            await steps.FinishAsync(run.Id, target.Name, outcomes, null);
            return string.Create(CultureInfo.InvariantCulture,
                $"applied {outcomes.Count} migration(s) in {outcomes.Sum(o => o.Seconds):0.00} s; pre-migration backup {backup.FileName}");
        }

        var applied = outcomes.Where(o => o.Succeeded).Select(o => o.FileName).ToList();
        var undo = outcomes.Where(o => o.Succeeded).Select(o => folder.Undo.GetValueOrDefault(folder.Migrations.First(m => m.FileName == o.FileName).Version)).LastOrDefault();
        var way = (applied.Count == 0 ? "nothing was applied by this run" : $"{string.Join(", ", applied)} stayed applied")
                  + (undo is not null ? $"; to go back, undo with {undo.FileName} or restore the pre-migration backup {backup.FileName}" : $"; to go back, restore the pre-migration backup {backup.FileName}");
        var message = $"{failed.Error}. {char.ToUpperInvariant(way[0])}{way[1..]}.";
        await steps.FinishAsync(run.Id, target.Name, outcomes, message);
        throw new InvalidOperationException(message);
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context) => Task.CompletedTask;
}

/// <summary>"migration-undo": a pre-migration backup, then the newest applied migration's undo script, under the lock.</summary>
public sealed class UndoMigrationOperation(MigrationSteps steps, BackupTaker taker) : IOperationKind
{
    public string Name => MigrationKinds.Undo;

    public AccessRule Access => MigrationService.ActRule;

    public bool CancellableWhileRunning => false;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var target = steps.Target(run);
        var version = run.Parameter("version");
        var numbered = new OperationSteps(context, ["check", "pre-migration backup", "undo"]);
        var check = numbered.Enter(1);
        var (folder, history) = await steps.ReadAsync(target, check.Cancellation);
        var file = UndoFile(folder, history, version);
        var plan = new MigrationPlan([file], [], MigrationPlan.FingerprintOf([file]));
        if (plan.Fingerprint != run.Parameter("fingerprint"))
        {
            throw new InvalidOperationException($"{file.FileName} changed since the undo was requested; nothing was run. Request it again so the SQL can be reviewed.");
        }

        await steps.EnsureRowAsync(run, MigrationRunKinds.Undo, plan);
        var backupCtx = numbered.Enter(2);
        var (backup, _) = await taker.TakeAsync(target.Database, BackupPurposes.PreMigration, run, backupCtx);
        await steps.SetBackupAsync(run.Id, backup.Id, backup.FileName);

        var apply = numbered.Enter(3);
        var outcomes = new List<MigrationOutcome>();
        try
        {
            await MigrationRunner.RunAsync(
                EngineConnections.Parse(steps.ConnectionString(target)), [file], steps.Settings(target, run, "undo"), apply,
                history => UndoFile(folder, history, version) is { } again && again.Checksum == file.Checksum ? null : $"version {version} is no longer the newest applied migration",
                outcome => steps.RecordOutcomeAsync(run, target.Name, outcome, rehearsal: false, outcomes));
        }
        catch (Exception ex) when (ex is MigrationLockedException or InvalidOperationException or DatabaseConnectionException or NpgsqlException)
        {
            await steps.FinishAsync(run.Id, target.Name, outcomes, ex.Message);
            throw;
        }

        var failed = outcomes.FirstOrDefault(o => !o.Succeeded);
        await steps.FinishAsync(run.Id, target.Name, outcomes, failed is null ? null : $"{failed.Error}; restore the pre-migration backup {backup.FileName} to go back");
        return failed is null
            ? $"undid version {version} with {file.FileName}; pre-migration backup {backup.FileName}"
            : throw new InvalidOperationException($"{failed.Error}; restore the pre-migration backup {backup.FileName} to go back");
    }

    /// <summary>The undo script of <paramref name="version"/> when it is the newest applied (or failed) migration.</summary>
    private static MigrationFile UndoFile(MigrationFolder folder, IReadOnlyList<HistoryRow> history, string version)
    {
        var newest = MigrationService.UndoTarget(MigrationStatus.Compute(folder, MigrationHistory.Effective(history)));
        if (newest is null || !newest.Version.Equals(MigrationVersion.TryParse(version, out var v) ? v : null))
        {
            throw new InvalidOperationException($"version {version} is not the newest applied migration{(newest is null ? "" : $" (that is {newest.Version})")}; nothing was run");
        }

        return folder.Undo.GetValueOrDefault(newest.Version)
               ?? throw new InvalidOperationException($"there is no undo script U{version}__….sql in the folder any more; nothing was run");
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context) => Task.CompletedTask;
}

/// <summary>
/// "migration-rehearsal": restores the newest verified backup into a scratch database, applies the pending migrations
/// there exactly as an apply would (same runner, lock, timeouts), records each file's time, locks and failure, and
/// drops the copy (always). Its result is what an approver sees next to the SQL.
/// </summary>
public sealed class RehearseMigrationsOperation(MigrationSteps steps, BackupStorage storage, ConsoleDbContext db, TimeProvider time) : IOperationKind
{
    public string Name => MigrationKinds.Rehearse;

    public AccessRule Access => MigrationService.ActRule;

    public bool CancellableWhileRunning => true;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var target = steps.Target(run);
        var numbered = new OperationSteps(context, ["check the plan", "restore the newest verified backup into a copy", "apply on the copy", "drop the copy"]);
        var check = numbered.Enter(1);
        var (folder, plan) = await steps.PlanAsync(target, run, check);
        await steps.EnsureRowAsync(run, MigrationRunKinds.Rehearsal, plan);
        var backup = await db.Backups.AsNoTracking()
                         .Where(b => b.Database == target.Name && b.DeletedAt == null && b.Verified)
                         .OrderByDescending(b => b.CompletedAt)
                         .FirstOrDefaultAsync(context.Cancellation)
                     ?? throw new InvalidOperationException($"{target.Name} has no verified backup to rehearse on; take one first.");
        await steps.SetBackupAsync(run.Id, backup.Id, backup.FileName);
        check.Log($"rehearsing on backup {backup.FileName} (taken {backup.CompletedAt:yyyy-MM-dd HH:mm} UTC)");

        var connectionString = steps.ConnectionString(target);
        var source = EngineConnections.Parse(connectionString);
        var scratch = ScratchDatabaseName.For(source.Database ?? target.Name, ScratchPurpose.Rehearsal, time.GetUtcNow());
        var maintenance = EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase);
        var outcomes = new List<MigrationOutcome>();
        string? error = null;
        string? warning = null;
        var created = false;
        try
        {
            var restoreCtx = numbered.Enter(2);
            await using (var admin = await EngineConnections.OpenAsync(maintenance, context.Cancellation))
            {
                var tools = storage.Tools();
                _ = await PgRestore.CreateDatabaseLikeAsync(admin, source.Database ?? target.Name, scratch, context.Cancellation);
                created = true;
                restoreCtx.Log($"scratch database {scratch} created");
                var failure = await PgRestore.RunAsync(tools, EngineConnections.Parse(connectionString, scratch), storage.PathOf(backup), BackupKinds.Manifest(backup), restoreCtx);
                if (failure is not null)
                {
                    throw new InvalidOperationException($"the backup did not restore into the copy: {failure}");
                }
            }

            var applyCtx = numbered.Enter(3);
            var copy = EngineConnections.Parse(connectionString, scratch);
            await using (var connection = await EngineConnections.OpenAsync(copy, context.Cancellation))
            {
                var copyPlan = MigrationSteps.PlanOf(folder, await MigrationHistory.ReadAsync(connection, context.Cancellation), target, run);
                if (copyPlan.Fingerprint != plan.Fingerprint)
                {
                    warning = $"the backup is older than the live schema: the copy needed {MigrationSteps.Describe(copyPlan)}; take a fresh backup for a faithful rehearsal";
                    applyCtx.Log(warning, OperationLogLevel.Warning);
                    plan = copyPlan;
                }
            }

            await MigrationRunner.RunAsync(copy, plan.Steps, steps.Settings(target, run, "rehearse"), applyCtx, check: null,
                outcome => steps.RecordOutcomeAsync(run, target.Name, outcome, rehearsal: true, outcomes));
        }
        catch (Exception ex) when (ex is InvalidOperationException or DatabaseConnectionException or NpgsqlException or BackupFailedException or MigrationLockedException)
        {
            error = ex.Message;
        }
        finally
        {
            if (created)
            {
                var dropCtx = numbered.Enter(4);
                await RestoreDrill.DropAsync(maintenance, scratch, dropCtx);
            }
        }

        await steps.FinishAsync(run.Id, target.Name, outcomes, error, warning);
        var failed = outcomes.FirstOrDefault(o => !o.Succeeded);
        if (error is not null || failed is not null)
        {
            throw new InvalidOperationException($"the rehearsal failed: {error ?? failed!.Error}");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"rehearsed {outcomes.Count} migration(s) on a copy of {backup.FileName}: all succeeded in {outcomes.Sum(o => o.Seconds):0.00} s{(warning is null ? "" : " (" + warning + ")")}");
    }

    public async Task CleanupAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var target = steps.Target(run);
        foreach (var dropped in await BackupCleanup.DropScratchDatabasesAsync(steps.ConnectionString(target), [ScratchPurpose.Rehearsal], context.Cancellation))
        {
            context.Log($"dropped the scratch database {dropped}");
        }
    }
}
