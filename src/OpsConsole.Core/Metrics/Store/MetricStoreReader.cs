namespace OpsConsole.Core.Metrics.Store;

/// <summary>
/// Read access to the store's series and samples without copying them, for the rule evaluator: handed out only inside
/// <see cref="MetricStore.Read{TState, TResult}"/>, which holds the store's lock for the callback, and refused outside it.
/// The lists it returns are the store's own: read them in the callback, never keep them.
/// </summary>
public sealed class MetricStoreReader
{
    private static readonly List<StoredSeries> None = [];
    private readonly Lock _gate;
    private readonly Dictionary<string, MetricNameIndex> _byName;

    internal MetricStoreReader(Lock gate, Dictionary<string, MetricNameIndex> byName)
    {
        _gate = gate;
        _byName = byName;
    }

    /// <summary>Every metric name that has series (for <c>{__name__=~"..."}</c>).</summary>
    public IReadOnlyCollection<string> MetricNames
    {
        get
        {
            EnsureInside();
            return _byName.Keys;
        }
    }

    /// <summary>The series of a metric name, in creation order.</summary>
    public IReadOnlyList<StoredSeries> SeriesOf(string metricName)
    {
        EnsureInside();
        return _byName.TryGetValue(metricName, out var index) ? index.Series : None;
    }

    /// <summary>The series of a metric name whose label has exactly this (non-empty) value, through the label's index.</summary>
    public IReadOnlyList<StoredSeries> SeriesWith(string metricName, string label, string value)
    {
        EnsureInside();
        return _byName.TryGetValue(metricName, out var index) && index.PostingsOf(label).TryGetValue(value, out var list) ? list : None;
    }

    /// <summary>The distinct non-empty values a label has across the series of a metric name.</summary>
    public IReadOnlyCollection<string> LabelValues(string metricName, string label)
    {
        EnsureInside();
        return _byName.TryGetValue(metricName, out var index) ? index.PostingsOf(label).Keys : [];
    }

    /// <summary>How many samples the series holds (the room <see cref="CopySamples"/> needs).</summary>
    public int SampleCount(StoredSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        EnsureInside();
        return series.Ring.Count;
    }

    /// <summary>The newest sample at or before the time (stale markers included: the caller decides what they mean).</summary>
    public bool TryGetAtOrBefore(StoredSeries series, long timestampMs, out long sampleTimestampMs, out double value)
    {
        ArgumentNullException.ThrowIfNull(series);
        EnsureInside();
        return series.Ring.TryGetAtOrBefore(timestampMs, out sampleTimestampMs, out value);
    }

    /// <summary>Copies the samples in [fromMs, toMs] (stale markers included), oldest first; the spans must hold <see cref="SampleCount"/>.</summary>
    public int CopySamples(StoredSeries series, long fromMs, long toMs, Span<long> timestamps, Span<double> values)
    {
        ArgumentNullException.ThrowIfNull(series);
        EnsureInside();
        return series.Ring.CopyRange(fromMs, toMs, timestamps, values);
    }

    private void EnsureInside()
    {
        if (!_gate.IsHeldByCurrentThread)
        {
            throw new InvalidOperationException("A MetricStoreReader is only valid inside MetricStore.Read.");
        }
    }
}
