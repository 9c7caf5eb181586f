using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Metrics.Services;

public static class ServiceTopics
{
    /// <summary>A service's snapshot was recomputed after a scrape (payload: its name; this instance only).</summary>
    public static LiveTopic<string> Updated { get; } = new("metrics.service.updated");
}

/// <summary>
/// The services overview's store: after every scrape of a target it recomputes that service's golden signals and
/// sparkline history once, for all pages; pages subscribe with <see cref="OnServicesChanged"/> (throttled, coalesced).
/// </summary>
public sealed class ServiceOverview(
    MetricStore store,
    ScrapeService scraper,
    ILiveEvents live,
    IOptions<ServiceSignalsOptions> signals,
    TimeProvider time) : IHostedService, IDisposable
{
    /// <summary>At most one page refresh per this interval however many targets are scraped (fan-out budget).</summary>
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(200);

    private const int SparklinePoints = 30;
    private readonly ConcurrentDictionary<string, ServiceSnapshot> _snapshots = new(StringComparer.Ordinal);
    private IDisposable? _subscription;

    public ServiceSignalsOptions Signals => signals.Value;

    /// <summary>How far back the in-memory store reaches (Metrics:Retention).</summary>
    public TimeSpan RetentionLimit => store.Options.Retention;

    /// <summary>A chart step for a range: about 120 points, never finer than the scrape interval.</summary>
    public TimeSpan ChartStep(TimeSpan range) => TimeSpan.FromTicks(Math.Max(range.Ticks / 120, store.Options.ScrapeInterval.Ticks));

    public TimeSpan StaleAfter => store.Options.ScrapeInterval * signals.Value.StaleAfterScrapes;

    /// <summary>Every configured target, in configuration order, whether or not it has been scraped yet.</summary>
    public IReadOnlyList<ServiceSnapshot> Services =>
        [.. scraper.Targets.Select(h => _snapshots.TryGetValue(h.Name, out var s) ? s : Empty(h))];

    public ServiceSnapshot? Find(string name)
    {
        var health = scraper.Targets.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
        return health is null ? null : _snapshots.TryGetValue(name, out var s) ? s : Empty(health);
    }

    /// <summary>Calls <paramref name="onChanged"/> after services are recomputed (one service, or any when null).</summary>
    public IDisposable OnServicesChanged(Func<Task> onChanged, string? service = null) =>
        live.SubscribeThrottled(ServiceTopics.Updated, MinimumRefresh, onChanged, service is null ? null : name => string.Equals(name, service, StringComparison.Ordinal));

    /// <summary>The golden signals of a service over a range, for the detail page's charts (in-memory store).</summary>
    public SignalSeries History(string name, DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        var stepMs = (long)step.TotalMilliseconds;
        var fromMs = from.ToUnixTimeMilliseconds() / stepMs * stepMs;
        var toMs = to.ToUnixTimeMilliseconds();
        var timestamps = new long[Math.Max(1, ((toMs - fromMs) / stepMs) + 1)];
        for (var i = 0; i < timestamps.Length; i++)
        {
            timestamps[i] = fromMs + (i * stepMs);
        }

        return GoldenSignals.Compute(store, name, timestamps, RateWindow(step));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = live.Subscribe(MetricsTopics.TargetScraped, e =>
        {
            Recompute(e.Payload);
            return Task.CompletedTask;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Interlocked.Exchange(ref _subscription, null)?.Dispose();

    /// <summary>Recomputes one service from the store (called after each scrape; public for tests and benchmarks).</summary>
    public ServiceSnapshot Recompute(TargetHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var previous = _snapshots.GetValueOrDefault(health.Name);
        var lastData = health.Up ? health.LastScrape : previous?.LastData;
        var end = (lastData ?? time.GetUtcNow()).ToUnixTimeMilliseconds();
        var stepMs = (long)(signals.Value.SparklineRange.TotalMilliseconds / SparklinePoints);
        var timestamps = new long[SparklinePoints];
        for (var i = 0; i < SparklinePoints; i++)
        {
            timestamps[i] = end - ((SparklinePoints - 1 - i) * stepMs);
        }

        var history = GoldenSignals.Compute(store, health.Name, timestamps, RateWindow(TimeSpan.FromMilliseconds(stepMs)));
        var snapshot = new ServiceSnapshot(health.Name, health, history, lastData, StaleAfter);
        _snapshots[health.Name] = snapshot;
        live.Publish(ServiceTopics.Updated, health.Name);
        return snapshot;
    }

    private ServiceSnapshot Empty(TargetHealth health) =>
        new(health.Name, health, GoldenSignals.Compute(store, health.Name, [], TimeSpan.FromMinutes(1)), null, StaleAfter);

    private TimeSpan RateWindow(TimeSpan step) => MetricQueryService.RateWindow(step, store.Options.ScrapeInterval);
}
