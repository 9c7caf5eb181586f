using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Alerts;

/// <summary>
/// Keeps history for <c>Alerts:HistoryRetention</c> (default 30 days): resolved alerts with their timelines, silences
/// that ended, and the delivery log are deleted after that, every <c>Alerts:PurgeInterval</c>. Deleting is idempotent,
/// so every instance may run it; a purge that removed something is audited (<c>alerts.history_purged</c>).
/// </summary>
public sealed partial class AlertHistoryPurger(
    IServiceScopeFactory scopes,
    DatabaseState database,
    IOptions<AlertStoreOptions> options,
    TimeProvider time,
    ILogger<AlertHistoryPurger> logger) : BackgroundService
{
    private const int Batch = 5000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PurgeInterval;
        while (!database.MigrationsApplied)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, stoppingToken);
        }

        // The first run waits a little (or the interval, when shorter), so a starting console does its startup work first.
        await Task.Delay(interval < TimeSpan.FromMinutes(1) ? interval : TimeSpan.FromMinutes(1), time, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!await BackgroundLoop.PassAsync(PurgeAsync, ex => LogPurgeFailed(ex.GetBaseException().Message), stoppingToken))
            {
                break;
            }

            await Task.Delay(interval, time, stoppingToken);
        }
    }

    /// <summary>Deletes what is older than the retention; returns (alerts, silences, notifications) removed.</summary>
    public async Task<(int Alerts, int Silences, int Notifications)> PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = (time.GetUtcNow() - options.Value.HistoryRetention).ToUniversalTime();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        int alerts = 0, removed;
        do
        {
            // In batches, so a large backlog never holds one long transaction (timeline rows go with their alert).
            removed = await db.Database.ExecuteSqlAsync(
                $"DELETE FROM console.alerts WHERE id IN (SELECT id FROM console.alerts WHERE state = 'resolved' AND resolved_at < {cutoff} LIMIT {Batch})",
                cancellationToken);
            alerts += removed;
        }
        while (removed == Batch);

        var silences = await db.Database.ExecuteSqlAsync($"DELETE FROM console.silences WHERE ends_at < {cutoff}", cancellationToken);
        var notifications = await db.Database.ExecuteSqlAsync(
            $"DELETE FROM console.alert_notifications WHERE status NOT IN ('pending', 'sending') AND created_at < {cutoff}", cancellationToken);
        if (alerts + silences + notifications > 0)
        {
            var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            await audit.RecordAsync(new AuditEntry(AuditActors.System, "alerts.history_purged", "alerts", "*", AuditOutcome.Succeeded,
                new Dictionary<string, string?>
                {
                    ["before"] = cutoff.ToString("O", CultureInfo.InvariantCulture),
                    ["alerts"] = alerts.ToString(CultureInfo.InvariantCulture),
                    ["silences"] = silences.ToString(CultureInfo.InvariantCulture),
                    ["notifications"] = notifications.ToString(CultureInfo.InvariantCulture),
                }), cancellationToken);
            LogPurged(alerts, silences, notifications);
        }

        return (alerts, silences, notifications);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert history purged: {Alerts} resolved alerts, {Silences} silences, {Notifications} deliveries")]
    private partial void LogPurged(int alerts, int silences, int notifications);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert history purge failed: {Reason}")]
    private partial void LogPurgeFailed(string reason);
}
