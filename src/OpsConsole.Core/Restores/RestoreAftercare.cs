using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Data;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores.Engine;

namespace OpsConsole.Core.Restores;

/// <summary>
/// "restore-swap-back": the database a restore set aside becomes the live one again, by the same swap; the restored
/// one is set aside in its turn and kept as long, so nothing written to it is lost.
/// </summary>
public sealed class SwapBackOperation(
    ManagedDatabaseCatalog catalog, ConsoleDbContext db, AuditedActions actions, IOptions<RestoreOptions> options, TimeProvider time) : IOperationKind
{
    public string Name => RestoreKinds.SwapBack;

    public AccessRule Access => RestoreService.ActRule;

    public bool CancellableWhileRunning => false;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var managed = catalog.Find(run.Parameter("database")) ?? throw new InvalidOperationException($"\"{run.Parameter("database")}\" is no longer a managed database.");
        var id = Guid.Parse(run.Parameter("restore"), CultureInfo.InvariantCulture);
        var original = await db.Restores.SingleAsync(r => r.Id == id, context.Cancellation);
        var now = time.GetUtcNow();
        if (!RestoreService.View(original, OperationState.Succeeded, null).CanSwapBackAt(now))
        {
            throw new RestoreRefusedException($"restore {id} has nothing to swap back any more ({original.Phase}, set aside {original.SetAside ?? "nothing"})");
        }

        var connectionString = catalog.ConnectionString(managed);
        var live = RestorePlanner.LiveName(connectionString);
        var previous = original.SetAside!;
        if (!await RestoreOperation.ExistsAsync(connectionString, previous, context.Cancellation))
        {
            throw new RestoreRefusedException($"the database {previous} is not on the server any more (dropped by hand?); restore the pre-restore backup instead");
        }

        var aside = await RestoreOperation.FreeNameAsync(connectionString, live, ScratchPurpose.Before, now, context.Cancellation);
        var row = new StoredRestore
        {
            Id = run.Id,
            PlanId = original.PlanId,
            Database = original.Database,
            Mode = RestoreModes.SwapBack,
            BackupId = original.BackupId,
            RequestedBy = run.RequestedBy,
            RequestedAt = run.RequestedAt,
            StartedAt = now,
            RestoredInto = previous,
            SetAside = aside,
            Phase = RestorePhases.Swapping,
        };
        db.Restores.Add(row);
        await db.SaveChangesAsync(CancellationToken.None);
        context.Progress(0.1, OperationSteps.Words(1, 1, $"swap {previous} back in as {live}"));
        SwapResult swap;
        try
        {
            swap = await DatabaseSwap.SwapAsync(connectionString, live, previous, aside, options.Value.SwapLockTimeout, context,
                onConnectionsCut: () => row.ConnectionsCutAt = time.GetUtcNow());
        }
        catch (SwapFailedException ex)
        {
            row.Phase = RestorePhases.Failed;
            row.Error = ex.Message;
            row.SetAside = null;
            row.ConnectionsCutAt = null;
            row.EndedAt = time.GetUtcNow();
            await db.SaveChangesAsync(CancellationToken.None);
            actions.Publish(RestoreKinds.Changed, new RestoresChanged(row.Database));
            throw;
        }

        var done = time.GetUtcNow();
        RestoreMetrics.SwapSeconds.WithLabels(managed.Name).Set(swap.ConnectionsRefused.TotalSeconds);
        await actions.RunAsync(AuditActors.System, async work =>
        {
            original.Phase = RestorePhases.SwappedBack;
            original.SwappedBackAt = done;
            original.SwappedBackBy = run.RequestedBy;
            row.Phase = RestorePhases.Done;
            row.ConnectionsCutAt = null;
            row.SwappedAt = done;
            row.EndedAt = done;
            row.SwapMilliseconds = Math.Round(swap.ConnectionsRefused.TotalMilliseconds, 1);
            row.KeepUntil = done + options.Value.KeepPrevious;
            await db.SaveChangesAsync(CancellationToken.None);
            await work.RecordAsync("restores.swapped_back", "database", managed.Name, ("restore", id.ToString()), ("live_again", previous), ("set_aside", aside),
                ("requested_by", run.RequestedBy), ("swap_ms", row.SwapMilliseconds?.ToString(CultureInfo.InvariantCulture)));
            work.Publish(RestoreKinds.Changed, new RestoresChanged(managed.Name));
            return true;
        }, CancellationToken.None);
        return string.Create(CultureInfo.InvariantCulture,
            $"{previous} is {live} again; the restored database is kept as {aside} until {row.KeepUntil:yyyy-MM-dd HH:mm} UTC; connections refused for {swap.ConnectionsRefused.TotalMilliseconds:0} ms");
    }

    public async Task CleanupAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var row = await db.Restores.SingleOrDefaultAsync(r => r.Id == run.Id, context.Cancellation);
        var managed = catalog.Find(run.Parameter("database"));
        if (row is not { Phase: RestorePhases.Swapping } || managed is null)
        {
            return;
        }

        var connectionString = catalog.ConnectionString(managed);
        var live = RestorePlanner.LiveName(connectionString);
        if (row.SetAside is { } aside && await RestoreOperation.ExistsAsync(connectionString, aside, context.Cancellation))
        {
            var original = await db.Restores.SingleAsync(r => r.Id == Guid.Parse(run.Parameter("restore"), CultureInfo.InvariantCulture), context.Cancellation);
            original.Phase = RestorePhases.SwappedBack;
            original.SwappedBackAt = time.GetUtcNow();
            original.SwappedBackBy = run.RequestedBy;
            row.Phase = RestorePhases.Done;
            row.SwappedAt = original.SwappedBackAt;
            row.EndedAt = original.SwappedBackAt;
            row.KeepUntil = row.SwappedAt + options.Value.KeepPrevious;
            await DatabaseSwap.AllowConnectionsAsync(connectionString, aside);
            context.Log($"the swap back had completed before the console stopped: {aside} is kept until {row.KeepUntil:yyyy-MM-dd HH:mm} UTC");
        }
        else
        {
            await DatabaseSwap.AllowConnectionsAsync(connectionString, live);
            row.Phase = RestorePhases.Failed;
            row.SetAside = null;
            row.Error = OperationLifecycle.RestartedReason;
            row.EndedAt = time.GetUtcNow();
        }

        row.ConnectionsCutAt = null;
        await db.SaveChangesAsync(CancellationToken.None);
    }
}

/// <summary>
/// "restore-cleanup", requested by <see cref="RestoreJanitor"/> as the console: drops the databases restores set aside
/// once their keep time passed, drops restore and drill copies nobody is working on (left by a failure while the server
/// was down), and lets a database a failed swap left refusing connections accept them again. Audited, like any operation.
/// </summary>
public sealed class RestoreCleanupOperation(
    ManagedDatabaseCatalog catalog, ConsoleDbContext db, AuditedActions actions, TimeProvider time) : IOperationKind
{
    public string Name => RestoreKinds.Cleanup;

    public AccessRule Access => RestoreService.ActRule;

    public bool CancellableWhileRunning => true;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var managed = catalog.Find(run.Parameter("database")) ?? throw new InvalidOperationException($"\"{run.Parameter("database")}\" is no longer a managed database.");
        var connectionString = catalog.ConnectionString(managed);
        var live = RestorePlanner.LiveName(connectionString);
        var done = new List<string>();

        foreach (var cut in await db.Restores.Where(r => r.Database == managed.Name && r.ConnectionsCutAt != null).ToListAsync(context.Cancellation))
        {
            if (await DatabaseSwap.AllowConnectionsAsync(connectionString, live) is { } why)
            {
                throw new InvalidOperationException($"{live} still refuses connections after a failed swap: {why}");
            }

            cut.ConnectionsCutAt = null;
            await db.SaveChangesAsync(CancellationToken.None);
            done.Add($"{live} accepts connections again");
        }

        var now = time.GetUtcNow();
        var expired = await db.Restores
            .Where(r => r.Database == managed.Name && r.SetAside != null && r.SetAsideDroppedAt == null && r.SwappedBackAt == null
                        && r.Phase == RestorePhases.Done && r.KeepUntil <= now)
            .ToListAsync(context.Cancellation);
        foreach (var restore in expired)
        {
            await RestoreOperation.DropAsync(connectionString, restore.SetAside!, context);
            if (await RestoreOperation.ExistsAsync(connectionString, restore.SetAside!, context.Cancellation))
            {
                throw new InvalidOperationException($"{restore.SetAside} could not be dropped; see the log");
            }

            await actions.RunAsync(AuditActors.System, async work =>
            {
                restore.SetAsideDroppedAt = time.GetUtcNow();
                await db.SaveChangesAsync(CancellationToken.None);
                await work.RecordAsync("restores.set_aside_dropped", "database", managed.Name, ("restore", restore.Id.ToString()), ("dropped", restore.SetAside),
                    ("kept_until", restore.KeepUntil?.ToString("O", CultureInfo.InvariantCulture)));
                work.Publish(RestoreKinds.Changed, new RestoresChanged(managed.Name));
                return true;
            }, CancellationToken.None);
            done.Add($"dropped {restore.SetAside} (kept until {restore.KeepUntil:yyyy-MM-dd HH:mm} UTC)");
        }

        foreach (var leftover in await BackupCleanup.DropScratchDatabasesAsync(connectionString, [ScratchPurpose.Restore, ScratchPurpose.Drill], context.Cancellation))
        {
            context.Log($"dropped the leftover copy {leftover}");
            done.Add($"dropped the leftover {leftover}");
        }

        foreach (var line in done)
        {
            context.Log(line);
        }

        return done.Count == 0 ? "nothing to clean up" : string.Join("; ", done);
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context) => Task.CompletedTask;

    /// <summary>Whether <paramref name="database"/> has anything for this operation now (the janitor asks before requesting it).</summary>
    internal static async Task<bool> IsDueAsync(ConsoleDbContext db, ManagedDatabaseCatalog catalog, ManagedDatabase database, DateTimeOffset now, CancellationToken ct)
    {
        if (await db.Restores.AnyAsync(r => r.Database == database.Name && (r.ConnectionsCutAt != null
                || (r.SetAside != null && r.SetAsideDroppedAt == null && r.SwappedBackAt == null && r.Phase == RestorePhases.Done && r.KeepUntil <= now)), ct))
        {
            return true;
        }

        var connectionString = catalog.ConnectionString(database);
        var live = RestorePlanner.LiveName(connectionString);
        try
        {
            await using var admin = await EngineConnections.OpenAsync(EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase), ct);
            await using var list = new NpgsqlCommand("SELECT datname FROM pg_database", admin);
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var name = reader.GetString(0);
                if (ScratchDatabaseName.IsScratchOf(name, live, ScratchPurpose.Restore) || ScratchDatabaseName.IsScratchOf(name, live, ScratchPurpose.Drill))
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or DatabaseConnectionException)
        {
            // The server is down; the next round looks again.
        }

        return false;
    }
}

/// <summary>
/// Every <see cref="RestoreOptions.CleanupInterval"/>, asks for a "restore-cleanup" operation on each managed database
/// that has something to clean and no operation running. Safe with several consoles: the operation layer's one-per-target
/// lock lets one run, and the operation looks again before it drops anything.
/// </summary>
public sealed class RestoreJanitor(IServiceScopeFactory scopes, IOptions<RestoreOptions> options, TimeProvider time, ILogger<RestoreJanitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        do
        {
            try
            {
                await RoundAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "The restore clean-up round failed; the next round tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One round (tests call it directly).</summary>
    public async Task<int> RoundAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var catalog = scope.ServiceProvider.GetRequiredService<ManagedDatabaseCatalog>();
        var operations = scope.ServiceProvider.GetRequiredService<OperationService>();
        var requested = 0;
        foreach (var database in catalog.All)
        {
            var target = ManagedDatabaseCatalog.Target(database.Name);
            var busy = await db.Operations.AnyAsync(o => o.Target == target
                && (o.State == OperationState.Queued || o.State == OperationState.AwaitingApproval || o.State == OperationState.Running), ct);
            if (busy || !await RestoreCleanupOperation.IsDueAsync(db, catalog, database, time.GetUtcNow(), ct))
            {
                continue;
            }

            try
            {
                await operations.RequestAsSystemAsync(new OperationRequest(RestoreKinds.Cleanup, target, $"Restore clean-up of {database.Name}", NeedsApproval: false,
                    new Dictionary<string, string> { ["database"] = database.Name }), ct);
                requested++;
            }
            catch (OperationRefusedException)
            {
                // Another operation (or another console's clean-up) took the database meanwhile.
            }
        }

        return requested;
    }
}
