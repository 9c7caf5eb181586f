using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Metrics.Query;

/// <summary>
/// Runs range queries for charts and the explore page: from the in-memory store when it covers the range, through the
/// configured Prometheus server (if any) when it does not or when the caller prefers it. A query with full PromQL
/// (<see cref="RangeQuery.Expression"/>) goes to Prometheus when one is configured, else to the console's engine.
/// </summary>
public sealed class MetricQueryService(MetricStore store, TimeProvider time, IRemoteMetricBackend? remote = null)
{
    /// <summary>The console's engine gives up on one range evaluation after this long (it holds a CPU meanwhile).</summary>
    public static readonly TimeSpan LocalEvaluationTimeout = TimeSpan.FromSeconds(10);

    private readonly PromQlRangeEvaluator _expressions = new(store);

    /// <summary>Prometheus's default lookback: an instant value is the newest sample at most this old.</summary>
    public static readonly TimeSpan LookbackDelta = TimeSpan.FromMinutes(5);

    /// <summary>Charts never draw more lines than this; the rest are counted in <see cref="QueryResult.MatchedSeries"/>.</summary>
    public const int DefaultMaxSeries = 50;

    /// <summary>Points per chart line at most; a longer range gets a larger step.</summary>
    public const int MaxPoints = 11_000;

    public bool HasRemote => remote is not null;

    public string? RemoteDescription => remote?.Description;

    /// <summary>The rate window for a step, as Grafana's $__rate_interval: at least four scrapes and one step plus a scrape.</summary>
    public TimeSpan RateWindow(TimeSpan step) => RateWindow(step, store.Options.ScrapeInterval);

    /// <summary>The same for a given scrape interval (the services overview computes with it too).</summary>
    public static TimeSpan RateWindow(TimeSpan step, TimeSpan scrapeInterval) =>
        TimeSpan.FromTicks(Math.Max(step.Ticks + scrapeInterval.Ticks, 4 * scrapeInterval.Ticks));

    public async Task<QueryResult> QueryRangeAsync(RangeQuery query, QueryRouting routing = QueryRouting.Auto, int maxSeries = DefaultMaxSeries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Step <= TimeSpan.Zero || query.To < query.From)
        {
            throw new MetricQueryException("The range must end after it starts and the step must be positive.");
        }

        if ((query.To - query.From) / query.Step > MaxPoints)
        {
            throw new MetricQueryException($"Too many points: the range divided by the step is more than {MaxPoints:N0}; use a larger step.");
        }

        var window = RateWindow(query.Step);
        var oldestLocal = time.GetUtcNow() - store.Options.Retention;
        var needsRemote = query.Expression is not null || routing == QueryRouting.PreferRemote || query.From - (query.Rate ? window : LookbackDelta) < oldestLocal;
        if (remote is not null && needsRemote)
        {
            return await remote.QueryRangeAsync(query, window, maxSeries, cancellationToken);
        }

        // The engine is CPU-bound and synchronous: off the caller's thread (a page's circuit), within a deadline.
        var result = query.Expression is null
            ? Local(query, window, maxSeries)
            : await Task.Run(() => LocalExpression(query, window, maxSeries, cancellationToken), cancellationToken);
        return query.From < oldestLocal && remote is null
            ? result with { Notice = $"The console keeps {Format(store.Options.Retention)} of samples (Metrics:Retention); set Metrics:Prometheus:Url for longer ranges." }
            : result;
    }

    /// <summary>The same evaluation over the in-memory store only (also used by the services overview).</summary>
    public QueryResult Local(RangeQuery query, TimeSpan rateWindow, int maxSeries)
    {
        ArgumentNullException.ThrowIfNull(query);
        var timestamps = query.StepTimestampsMs();
        var fromMs = timestamps[0];
        var toMs = query.To.ToUnixTimeMilliseconds();
        var reach = query.Rate ? (long)rateWindow.TotalMilliseconds : (long)LookbackDelta.TotalMilliseconds;
        var data = store.Select(query.Selector.MetricName, query.Selector.Matches, fromMs - reach, toMs);
        var series = new List<ResultSeries>(Math.Min(data.Count, maxSeries));
        foreach (var item in data.OrderBy(d => d.Series.Labels.Count).ThenBy(d => string.Join(',', d.Series.Labels.Select(l => l.Value)), StringComparer.Ordinal))
        {
            if (series.Count == maxSeries)
            {
                break;
            }

            var values = query.Rate
                ? RateAt(item, timestamps, reach)
                : InstantAt(item, timestamps, reach);
            series.Add(new ResultSeries(item.Series.MetricName, item.Series.Labels, values));
        }

        return new QueryResult(timestamps, series, QuerySource.Console, data.Count, null);
    }

    /// <summary>
    /// Full PromQL over the in-memory store with the console's engine, evaluated at every step as Prometheus's
    /// query_range does; series ordered and capped as <see cref="Local"/> does.
    /// </summary>
    public QueryResult LocalExpression(RangeQuery query, TimeSpan rateWindow, int maxSeries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var text = query.ToPromQl(rateWindow);
        PromQlExpr expr;
        try
        {
            expr = PromQlParser.Parse(text);
        }
        catch (PromQlParseException ex)
        {
            throw new MetricQueryException(ex.Message, ex) { IsInvalidQuery = true };
        }

        var timestamps = query.StepTimestampsMs();
        using var deadline = new CancellationTokenSource(LocalEvaluationTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        IReadOnlyList<PromQlRangeSeries> all;
        try
        {
            all = _expressions.Evaluate(expr, timestamps, PromQlRangeEvaluator.DefaultMaxValues, linked.Token);
        }
        catch (PromQlEvaluationException ex)
        {
            var (line, column) = PromQlParser.LineColumn(text, ex.Position);
            throw new MetricQueryException($"{ex.Message} (line {line}, column {column})", ex) { IsInvalidQuery = true };
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new MetricQueryException(
                $"The expression took more than {LocalEvaluationTimeout.TotalSeconds:0} s to evaluate over this range; narrow it with label matchers or use a shorter range.")
            { IsInvalidQuery = true };
        }

        var series = all
            .OrderBy(s => s.Labels.Count)
            .ThenBy(s => string.Join(',', s.Labels.Select(l => l.Value)), StringComparer.Ordinal)
            .ThenBy(s => string.Join(',', s.Labels.Select(l => l.Key)), StringComparer.Ordinal)
            .ThenBy(s => s.MetricName, StringComparer.Ordinal)
            .Take(Math.Max(0, maxSeries))
            .Select(s => new ResultSeries(s.MetricName ?? "", s.Labels, s.Values))
            .ToList();
        return new QueryResult(timestamps, series, QuerySource.Console, all.Count, null);
    }

    private static double[] InstantAt(SeriesData data, long[] timestamps, long lookbackMs)
    {
        var values = new double[timestamps.Length];
        var j = -1;
        for (var i = 0; i < timestamps.Length; i++)
        {
            while (j + 1 < data.Timestamps.Length && data.Timestamps[j + 1] <= timestamps[i])
            {
                j++;
            }

            // A stale marker ends the series until the next real sample, as in Prometheus.
            values[i] = j >= 0 && timestamps[i] - data.Timestamps[j] <= lookbackMs && !MetricStore.IsStale(data.Values[j])
                ? data.Values[j]
                : double.NaN;
        }

        return values;
    }

    private static double[] RateAt(SeriesData data, long[] timestamps, long windowMs)
    {
        var values = new double[timestamps.Length];
        var start = 0;
        var end = 0;
        for (var i = 0; i < timestamps.Length; i++)
        {
            while (start < data.Timestamps.Length && data.Timestamps[start] < timestamps[i] - windowMs)
            {
                start++;
            }

            while (end < data.Timestamps.Length && data.Timestamps[end] <= timestamps[i])
            {
                end++;
            }

            values[i] = end - start >= 2
                ? PromMath.ExtrapolatedRate(data.Timestamps.AsSpan(start, end - start), data.Values.AsSpan(start, end - start), timestamps[i] - windowMs, timestamps[i], isCounter: true, perSecond: true)
                : double.NaN;
        }

        return values;
    }

    private static string Format(TimeSpan span) => span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : $"{span.TotalMinutes:0} min";
}
