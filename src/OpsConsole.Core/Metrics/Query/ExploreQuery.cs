using OpsConsole.Core.Metrics.PromQl;

namespace OpsConsole.Core.Metrics.Query;

/// <summary>
/// What the explore page runs for the text in its query box: a metric-name selector as before (so a remote
/// Prometheus gets its job names mapped, Metrics:Prometheus:JobLabels), anything else as full PromQL. The per-second
/// rate switch applies to selectors only; an expression says its own rate().
/// </summary>
public static class ExploreQuery
{
    /// <summary>Whether the text is a plain series selector (with or without a metric name), which the rate switch can wrap.</summary>
    public static bool IsSelector(string? text) =>
        !string.IsNullOrWhiteSpace(text) && (SeriesSelector.TryParse(text, out _, out _) || ParsesAsSelector(text));

    /// <summary>The range query for the text; blank text is refused as an invalid query.</summary>
    public static RangeQuery Build(string? text, bool rate, DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new MetricQueryException("Type a PromQL expression, e.g. sum by (code) (rate(http_requests_received_total[5m])).") { IsInvalidQuery = true };
        }

        return SeriesSelector.TryParse(text, out var selector, out _)
            ? new RangeQuery(selector!, rate, from, to, step)
            : RangeQuery.OfExpression(text.Trim(), from, to, step, rate && ParsesAsSelector(text));
    }

    /// <summary>About this many steps per range (Prometheus's graph aims at ~250).</summary>
    public const int Steps = 240;

    /// <summary>The step for a range: about <see cref="Steps"/> per range in whole seconds, never finer than the scrape interval.</summary>
    public static TimeSpan StepFor(TimeSpan span, TimeSpan scrapeInterval)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(span.TotalSeconds / Steps));
        return TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(seconds).Ticks, scrapeInterval.Ticks));
    }

    /// <summary>The chart's title: what was evaluated, in PromQL.</summary>
    public static string Title(RangeQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var text = query.Expression ?? query.Selector.ToString();
        return query.Rate ? $"rate({text}) per second" : text;
    }

    private static bool ParsesAsSelector(string text)
    {
        try
        {
            return PromQlParser.Parse(text) is VectorSelector;
        }
        catch (PromQlParseException)
        {
            return false;
        }
    }
}
