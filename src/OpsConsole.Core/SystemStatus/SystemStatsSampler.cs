using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.SystemStatus;

/// <summary>Samples the console's own health once a second and publishes it live; <see cref="Latest"/> serves first renders.</summary>
public sealed partial class SystemStatsSampler(
    ILiveEvents live,
    IServiceScopeFactory scopes,
    CircuitTracker circuits,
    NpgsqlPoolMonitor pool,
    DatabaseState databaseState,
    TimeProvider time,
    ILogger<SystemStatsSampler> logger) : BackgroundService, ISystemStatsSource
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    // Migrations change only when the console is upgraded; re-reading them every tick would be waste.
    private static readonly TimeSpan MigrationRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly DateTimeOffset _startedAt = ToOffset(Process.GetCurrentProcess().StartTime);
    private IReadOnlyList<string> _migrations = [];
    private DateTimeOffset _migrationsReadAt = DateTimeOffset.MinValue;
    private long _lastPublished;
    private DateTimeOffset _lastSampleAt;

    public SystemStatsSnapshot? Latest { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _lastSampleAt = time.GetUtcNow();
        _lastPublished = live.Statistics.Published;
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var snapshot = await SampleAsync(stoppingToken);
                Latest = snapshot;
                live.Publish(SystemTopics.Stats, snapshot);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSampleFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task<SystemStatsSnapshot> SampleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (latency, error) = await MeasureDatabaseAsync(now, cancellationToken);
        var stats = live.Statistics;
        var elapsed = (now - _lastSampleAt).TotalSeconds;
        var rate = elapsed > 0 ? (stats.Published - _lastPublished) / elapsed : 0;
        _lastPublished = stats.Published;
        _lastSampleAt = now;
        using var process = Process.GetCurrentProcess();
        return new SystemStatsSnapshot(
            now,
            live.InstanceId,
            now - _startedAt,
            latency,
            error,
            pool.Sample(),
            circuits.Current,
            Math.Round(rate, 1),
            stats.Published,
            stats.Dropped,
            process.WorkingSet64,
            GC.GetTotalMemory(forceFullCollection: false),
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            databaseState.MigrationsApplied,
            _migrations);
    }

    private async Task<(double? LatencyMs, string? Error)> MeasureDatabaseAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            var started = Stopwatch.GetTimestamp();
            await db.Database.ExecuteSqlRawAsync("SELECT 1", timeout.Token);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (databaseState.MigrationsApplied && now - _migrationsReadAt > MigrationRefreshInterval)
            {
                _migrations = [.. await db.Database.GetAppliedMigrationsAsync(timeout.Token)];
                _migrationsReadAt = now;
            }

            return (Math.Round(latency, 2), null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, timeout.IsCancellationRequested ? "no answer within 2 s" : ex.GetBaseException().Message);
        }
    }

    private static DateTimeOffset ToOffset(DateTime local) => new(local.ToUniversalTime(), TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Warning, Message = "System stats sample failed")]
    private partial void LogSampleFailed(Exception exception);

    public IDisposable OnStatsChanged(TimeSpan minimumInterval, Func<Task> onChanged) =>
        live.SubscribeThrottled(SystemTopics.Stats, minimumInterval, onChanged);
}

public static class SystemStatusHostingExtensions
{
    public static IHostApplicationBuilder AddSystemStatus(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<CircuitTracker>();
        builder.Services.AddSingleton<NpgsqlPoolMonitor>();
        builder.Services.AddSingleton<SystemStatsSampler>();
        builder.Services.AddSingleton<ISystemStatsSource>(sp => sp.GetRequiredService<SystemStatsSampler>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SystemStatsSampler>());
        return builder;
    }
}
