using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups;

/// <summary>Holds a database's first scheduled run until it can be backed up (the demo waits for SampleShop to create its database).</summary>
public interface IBackupTargetGate
{
    Task WaitAsync(string database, CancellationToken cancellationToken);
}

/// <summary>
/// Requests each managed database's scheduled backups and restore drills, on one instance only (the leader of a
/// PostgreSQL advisory lock; <see cref="PostgresLeaderLease"/>). Like anacron, it looks at the latest scheduled time
/// at or before now: if no run of that kind was requested since then, it requests one, so a console that was down at
/// 03:00 backs up when it comes back, once (<see cref="BackupOptions.CatchUp"/>). The operation layer's one-active-per-target rule makes a busy database wait
/// for the next look.
/// </summary>
public sealed partial class BackupScheduler(
    ManagedDatabaseCatalog catalog,
    IServiceScopeFactory scopes,
    ConsoleConnectionStrings connections,
    DatabaseState database,
    IEnumerable<IBackupTargetGate> gates,
    IOptions<BackupOptions> options,
    TimeProvider time,
    ILogger<BackupScheduler> logger) : BackgroundService
{
    /// <summary>The scheduler's leader lock ("OpsCon" + 0x0B01).</summary>
    public const long LeaderLockKey = 0x4F70_7343_6F6E_0B01;

    private readonly HashSet<string> _opened = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _started = time.GetUtcNow();

    /// <summary>True while this instance schedules (tests, diagnostics).</summary>
    public bool IsLeader { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (catalog.All.Count == 0)
        {
            return;
        }

        while (!database.MigrationsApplied)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
        }

        await PostgresLeaderLease.RunUntilStoppedAsync(
            connections.Runtime, LeaderLockKey, LeadAsync, TimeSpan.FromSeconds(15), time, LogLeaseFailed, stoppingToken);
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        IsLeader = true;
        try
        {
            using var timer = new PeriodicTimer(options.Value.SchedulerInterval, time);
            do
            {
                if (!await BackgroundLoop.PassAsync(TickAsync, ex => LogTickFailed(ex), cancellationToken))
                {
                    return;
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        finally
        {
            IsLeader = false;
        }
    }

    /// <summary>One look at every database: requests what is due (internal for tests).</summary>
    internal async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var db in catalog.All)
        {
            if (!_opened.Contains(db.Name))
            {
                foreach (var gate in gates)
                {
                    await gate.WaitAsync(db.Name, cancellationToken);
                }

                _opened.Add(db.Name);
            }

            if (db.PreviousBackup(now) is { } slot)
            {
                await RequestIfDueAsync(db, BackupKinds.Backup, slot, BackupService.Request(db, BackupPurposes.Scheduled), cancellationToken);
            }

            if (db.PreviousDrill(now) is { } drillSlot && await HasVerifiedBackupAsync(db, cancellationToken))
            {
                await RequestIfDueAsync(db, BackupKinds.Drill, drillSlot, BackupService.DrillRequest(db), cancellationToken);
            }
        }
    }

    private async Task RequestIfDueAsync(ManagedDatabase db, string kind, DateTimeOffset slot, OperationRequest request, CancellationToken cancellationToken)
    {
        if (!options.Value.CatchUp && slot < _started)
        {
            return; // cron's way: a time that passed before the start is not run
        }

        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var target = ManagedDatabaseCatalog.Target(db.Name);
        if (await context.Operations.AnyAsync(o => o.Target == target && o.Kind == kind && o.RequestedAt >= slot, cancellationToken))
        {
            return; // this slot has its run (or a person's run since)
        }

        try
        {
            var op = await scope.ServiceProvider.GetRequiredService<OperationService>().RequestAsSystemAsync(request, cancellationToken);
            LogRequested(kind, db.Name, slot, op.Id);
        }
        catch (OperationRefusedException ex) when (ex.Reason == OperationRefusal.TargetBusy)
        {
            LogBusy(kind, db.Name, ex.Message); // next look
        }
    }

    private async Task<bool> HasVerifiedBackupAsync(ManagedDatabase db, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Backups
            .AnyAsync(b => b.Database == db.Name && b.DeletedAt == null && b.Verified, cancellationToken);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Scheduled {Kind} of {Database} for {Slot:u} requested as operation {Operation}")]
    private partial void LogRequested(string kind, string database, DateTimeOffset slot, Guid operation);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Scheduled {Kind} of {Database} waits: {Reason}")]
    private partial void LogBusy(string kind, string database, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "The backup scheduler's look at the managed databases failed")]
    private partial void LogTickFailed(Exception ex);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The backup scheduler could not take or keep its leader lock")]
    private partial void LogLeaseFailed(Exception ex);
}
