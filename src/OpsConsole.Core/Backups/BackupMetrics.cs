using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;
using Prometheus;

namespace OpsConsole.Core.Backups;

/// <summary>
/// Backup facts per managed database in the console's /metrics, so any Prometheus (and the console's own rules,
/// rules/backups.rules.yml) can alert on them. Refreshed from the database on every instance after each change and
/// every <see cref="BackupOptions.SchedulerInterval"/>; ages are left to PromQL (<c>time() - …</c>).
/// </summary>
public sealed partial class BackupMetrics(
    ManagedDatabaseCatalog catalog,
    IServiceScopeFactory scopes,
    DatabaseState database,
    BackupStorage storage,
    BackupAttention attention,
    ILiveEvents live,
    IOptions<BackupOptions> options,
    TimeProvider time,
    ILogger<BackupMetrics> logger) : BackgroundService
{
    private static readonly string[] Label = ["database"];

    public static readonly Gauge LastSuccess = Prometheus.Metrics.CreateGauge("opsconsole_backup_last_success_timestamp_seconds",
        "When the newest kept backup completed (Unix seconds; 0 when there is none).", Label);

    public static readonly Gauge LastSize = Prometheus.Metrics.CreateGauge("opsconsole_backup_last_size_bytes", "Size of the newest kept backup.", Label);

    public static readonly Gauge LastDuration = Prometheus.Metrics.CreateGauge("opsconsole_backup_last_duration_seconds", "How long the newest kept backup took to dump.", Label);

    public static readonly Gauge LastRunFailed = Prometheus.Metrics.CreateGauge("opsconsole_backup_last_run_failed",
        "1 when the most recent finished backup operation failed, else 0.", Label);

    /// <summary>A counter rather than a gauge so a failure between two scrapes is still seen (rate/increase).</summary>
    public static readonly Counter Failures = Prometheus.Metrics.CreateCounter("opsconsole_backup_failures_total",
        "Backups that failed, by database and reason (tool_killed, disk_full, version_mismatch, connection, ...).", "database", "reason");

    public static readonly Gauge Rpo = Prometheus.Metrics.CreateGauge("opsconsole_backup_rpo_seconds", "The recovery point objective set for the database.", Label);

    public static readonly Gauge ScheduleMissed = Prometheus.Metrics.CreateGauge("opsconsole_backup_schedule_missed",
        "1 when the last scheduled backup time passed more than Backups:MissedAfter ago without a successful backup since.", Label);

    public static readonly Gauge DrillLast = Prometheus.Metrics.CreateGauge("opsconsole_backup_drill_last_timestamp_seconds", "When the last restore drill ran.", Label);

    public static readonly Gauge DrillSuccess = Prometheus.Metrics.CreateGauge("opsconsole_backup_drill_last_success", "1 when the last restore drill passed, 0 when it failed.", Label);

    public static readonly Gauge DrillRestoreSeconds = Prometheus.Metrics.CreateGauge("opsconsole_backup_drill_last_restore_seconds",
        "The restore time the last drill measured (the RTO's evidence).", Label);

    public static readonly Gauge InventoryBackups = Prometheus.Metrics.CreateGauge("opsconsole_backup_inventory_backups", "Backups kept in the inventory.", Label);

    public static readonly Gauge InventoryBytes = Prometheus.Metrics.CreateGauge("opsconsole_backup_inventory_bytes", "Bytes of the backups kept in the inventory.", Label);

    public static readonly Gauge StorageUsed = Prometheus.Metrics.CreateGauge("opsconsole_backup_storage_used_bytes", "Used bytes of the file system holding the backup directory.");

    public static readonly Gauge StorageCapacity = Prometheus.Metrics.CreateGauge("opsconsole_backup_storage_capacity_bytes", "Size of the file system holding the backup directory.");

    private readonly SemaphoreSlim _changed = new(0, 1);

    /// <summary>
    /// Since when this console watches the schedules: a slot that passed before it started is due MissedAfter after
    /// the start, not after the slot, so a fresh start (whose catch-up runs at once) raises no BackupScheduleMissed.
    /// </summary>
    private readonly DateTimeOffset _watchingSince = time.GetUtcNow();

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

        using var backups = live.Subscribe(BackupTopics.Changed, _ => Wake());
        using var operations = live.Subscribe(OperationTopics.Changed, e => OperationLifecycle.IsFinal(e.Payload.State) ? Wake() : Task.CompletedTask);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!await BackgroundLoop.PassAsync(RefreshAsync, ex => LogRefreshFailed(ex), stoppingToken))
            {
                return;
            }

            try
            {
                await _changed.WaitAsync(options.Value.SchedulerInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private Task Wake()
    {
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }

        return Task.CompletedTask;
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var now = time.GetUtcNow();
        var kept = db.Backups.AsNoTracking().Where(b => b.DeletedAt == null);
        var names = catalog.All.Select(d => d.Name).ToArray();
        var newest = await BackupQueries.NewestKeptAsync(db, names, cancellationToken);
        var totals = await kept.GroupBy(b => b.Database).Select(g => new { Database = g.Key, Count = g.Count(), Bytes = g.Sum(b => b.SizeBytes) }).ToListAsync(cancellationToken);
        var drills = await BackupQueries.NewestDrillsAsync(db, names, cancellationToken);
        var lastRuns = await BackupQueries.LastFinishedBackupsAsync(db, names, cancellationToken);

        var entries = new List<BackupFreshnessEntry>();
        foreach (var d in catalog.All)
        {
            var last = newest.FirstOrDefault(b => b.Database == d.Name);
            var total = totals.FirstOrDefault(t => t.Database == d.Name);
            LastSuccess.WithLabels(d.Name).Set(last?.CompletedAt.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
            LastSize.WithLabels(d.Name).Set(last?.SizeBytes ?? 0);
            LastDuration.WithLabels(d.Name).Set(last?.DurationSeconds ?? 0);
            Rpo.WithLabels(d.Name).Set(d.Rpo.TotalSeconds);
            InventoryBackups.WithLabels(d.Name).Set(total?.Count ?? 0);
            InventoryBytes.WithLabels(d.Name).Set(total?.Bytes ?? 0);
            var lastRun = lastRuns.FirstOrDefault(o => o.Target == ManagedDatabaseCatalog.Target(d.Name));
            LastRunFailed.WithLabels(d.Name).Set(lastRun?.State == OperationState.Failed ? 1 : 0);
            var slot = d.PreviousBackup(now);
            var missed = slot is { } s && now > (s > _watchingSince ? s : _watchingSince) + options.Value.MissedAfter && (last is null || last.CompletedAt < s);
            ScheduleMissed.WithLabels(d.Name).Set(missed ? 1 : 0);
            var lastDrill = drills.FirstOrDefault(x => x.Database == d.Name);
            entries.Add(new BackupFreshnessEntry(d.Name, d.FreshnessAt(last?.CompletedAt, now), last?.CompletedAt, d.Rpo, lastRun?.State == OperationState.Failed, lastDrill?.Succeeded));
            if (lastDrill is { } drill)
            {
                DrillLast.WithLabels(d.Name).Set(drill.At.ToUnixTimeMilliseconds() / 1000.0);
                DrillSuccess.WithLabels(d.Name).Set(drill.Succeeded ? 1 : 0);
                DrillRestoreSeconds.WithLabels(d.Name).Set(drill.RestoreSeconds);
            }
        }

        attention.Update(entries, now);
        if (storage.Usage() is { } usage)
        {
            StorageUsed.Set(usage.Used);
            StorageCapacity.Set(usage.Capacity);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Refreshing the backup metrics failed")]
    private partial void LogRefreshFailed(Exception ex);
}
