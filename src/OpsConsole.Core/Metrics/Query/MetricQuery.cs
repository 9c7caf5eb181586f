namespace OpsConsole.Core.Metrics.Query;

/// <summary>
/// A range query the console's charts and explore page run: one selector, optionally as a per-second rate, evaluated at
/// every <see cref="Step"/> from <see cref="From"/> to <see cref="To"/> (both inclusive, aligned to the step).
/// </summary>
public sealed record RangeQuery(SeriesSelector Selector, bool Rate, DateTimeOffset From, DateTimeOffset To, TimeSpan Step)
{
    /// <summary>
    /// Full PromQL instead of the selector (a service's golden signals beyond the in-memory retention, what a person
    /// types into Explore): Prometheus evaluates it when one is configured, else the console's engine over the store.
    /// The <see cref="Selector"/> then only names the query (its metric name labels what comes back, e.g. the golden
    /// signal); nothing is selected by it. With <see cref="Rate"/> it must be a selector.
    /// </summary>
    public string? Expression { get; init; }

    /// <summary>The PromQL text sent to a Prometheus server (or the console's engine) for the same query.</summary>
    public string ToPromQl(TimeSpan rateWindow)
    {
        var text = Expression ?? Selector.ToString();
        return Rate ? $"rate({text}[{(long)Math.Ceiling(rateWindow.TotalSeconds)}s])" : text;
    }

    /// <summary>A query for full PromQL (see <see cref="Expression"/>).</summary>
    public static RangeQuery OfExpression(string expression, DateTimeOffset from, DateTimeOffset to, TimeSpan step, bool rate = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        return new RangeQuery(ExpressionName, rate, from, to, step) { Expression = expression };
    }

    private static readonly SeriesSelector ExpressionName = new("expression", []);

    /// <summary>Whole milliseconds per step (at least 1).</summary>
    public long StepMs => Math.Max(1, (long)Step.TotalMilliseconds);

    /// <summary>The evaluation timestamps: From rounded down to a multiple of the step, then every step up to To.</summary>
    public long[] StepTimestampsMs()
    {
        var stepMs = StepMs;
        var fromMs = From.ToUnixTimeMilliseconds() / stepMs * stepMs;
        var toMs = To.ToUnixTimeMilliseconds();
        var timestamps = new long[((toMs - fromMs) / stepMs) + 1];
        for (var i = 0; i < timestamps.Length; i++)
        {
            timestamps[i] = fromMs + (i * stepMs);
        }

        return timestamps;
    }
}

/// <summary>One result series: its labels and one value per query timestamp (NaN where it had no sample).</summary>
public sealed record ResultSeries(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double[] Values)
{
    /// <summary>Labels without job/instance noise, as a chart legend shows them.</summary>
    public string Legend => Labels.Count == 0 ? Name : $"{Name}{{{string.Join(", ", Labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}";
}

/// <summary>Where a result came from, for the "data from" note under a chart.</summary>
public enum QuerySource
{
    Console,
    Prometheus,
}

public sealed record QueryResult(long[] TimestampsMs, IReadOnlyList<ResultSeries> Series, QuerySource Source, int MatchedSeries, string? Notice)
{
    public bool Truncated => MatchedSeries > Series.Count;

    /// <summary>The newest timestamp that has a value in any series, or null when there is none.</summary>
    public long? LastDataMs
    {
        get
        {
            for (var i = TimestampsMs.Length - 1; i >= 0; i--)
            {
                foreach (var series in Series)
                {
                    if (!double.IsNaN(series.Values[i]))
                    {
                        return TimestampsMs[i];
                    }
                }
            }

            return null;
        }
    }
}

/// <summary>Whether a query should go to the remote Prometheus when one is configured.</summary>
public enum QueryRouting
{
    /// <summary>The in-memory store when it covers the range, else Prometheus (charts).</summary>
    Auto,

    /// <summary>Prometheus whenever configured (the explore page: it knows every series, not only recent ones).</summary>
    PreferRemote,
}

/// <summary>A query failed in a way the user should read (bad query, remote unreachable, remote error).</summary>
public sealed class MetricQueryException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The query itself is at fault (syntax, types, too broad), not the data source: the text is the person's to fix.</summary>
    public bool IsInvalidQuery { get; init; }
}

/// <summary>A remote long-term store that answers range queries (a Prometheus server's /api/v1/query_range).</summary>
public interface IRemoteMetricBackend
{
    /// <summary>For notes such as "data from Prometheus at http://prom:9090".</summary>
    string Description { get; }

    Task<QueryResult> QueryRangeAsync(RangeQuery query, TimeSpan rateWindow, int maxSeries, CancellationToken cancellationToken);

    /// <summary>Metric names the remote knows, for the explore page's suggestions.</summary>
    Task<IReadOnlyList<string>> MetricNamesAsync(CancellationToken cancellationToken);

    /// <summary>The remote's <c>job</c> for a console target (they may be named differently), for hand-built expressions.</summary>
    string JobOf(string target);
}
