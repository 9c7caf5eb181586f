using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Metrics.Services;

/// <summary>A service's signals over a range and where they came from.</summary>
public sealed record ServiceHistoryResult(SignalSeries Signals, QuerySource Source, string? Notice);

/// <summary>
/// The service page's charts: from the in-memory store while it covers the range; beyond the retention, from the
/// configured Prometheus with the same signals written as PromQL (<see cref="SignalNames.PromQl"/>).
/// </summary>
public sealed class ServiceHistory(ServiceOverview overview, MetricQueryService queries, MetricStore store, TimeProvider time, IRemoteMetricBackend? remote = null)
{
    /// <summary>
    /// True when a range starting at <paramref name="from"/> reaches past what the store keeps (a scrape interval of
    /// slack: a 6 h chart on a 6 h retention stays local).
    /// </summary>
    public bool IsBeyondRetention(DateTimeOffset from) => from < time.GetUtcNow() - store.Options.Retention - store.Options.ScrapeInterval;

    /// <summary>
    /// The PromQL behind each chart over a range of <paramref name="span"/> (for "Open in Explore"), in the order of
    /// <see cref="SignalSeries"/>'s arrays: the job as Prometheus names it when one is configured (Explore sends its
    /// queries there), else as the console does.
    /// </summary>
    public IReadOnlyList<(string Signal, string PromQl)> PromQl(string service, TimeSpan span) =>
        GoldenSignals.NamesOf(store, service).PromQl(remote?.JobOf(service) ?? service, queries.RateWindow(overview.ChartStep(span)));

    public async Task<ServiceHistoryResult> LoadAsync(string service, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var step = overview.ChartStep(to - from);
        if (!IsBeyondRetention(from))
        {
            return new ServiceHistoryResult(overview.History(service, from, to, step), QuerySource.Console, null);
        }

        if (remote is null)
        {
            return new ServiceHistoryResult(
                overview.History(service, from, to, step), QuerySource.Console,
                $"The console keeps {store.Options.Retention.TotalHours:0.#} h of samples (Metrics:Retention); set Metrics:Prometheus:Url to chart further back.");
        }

        var window = queries.RateWindow(step);
        var signals = GoldenSignals.NamesOf(store, service).PromQl(remote.JobOf(service), window);
        var results = await Task.WhenAll(signals.Select(s => queries.QueryRangeAsync(
            new RangeQuery(new SeriesSelector(s.Signal, []), false, from, to, step) { Expression = s.PromQl }, QueryRouting.PreferRemote, 1, cancellationToken)));
        var timestamps = results[0].TimestampsMs;
        double[] Values(QueryResult r) => r.Series.Count > 0 ? r.Series[0].Values : [.. Enumerable.Repeat(double.NaN, timestamps.Length)];
        return new ServiceHistoryResult(
            new SignalSeries(timestamps, Values(results[0]), Values(results[1]), Values(results[2]), Values(results[3]), Values(results[4]), Values(results[5]))
            {
                ClientErrorRatio = Values(results[6]),
                ThrottledRate = Values(results[7]),
            },
            QuerySource.Prometheus,
            results.Select(r => r.Notice).FirstOrDefault(n => n is not null));
    }
}
