namespace OpsConsole.Core.Metrics.Store;

/// <summary>
/// The series of one metric name, plus inverted indexes (label value -> series) built the first time a query asks
/// for a label and kept up to date from then on, so a rule's <c>job="api"</c> reads a short list instead of every
/// series of the name. Lists keep creation order. The store's lock guards all of it.
/// </summary>
internal sealed class MetricNameIndex
{
    private Dictionary<string, Dictionary<string, List<StoredSeries>>>? _postings;

    public List<StoredSeries> Series { get; } = [];

    public void Add(StoredSeries series)
    {
        Series.Add(series);
        if (_postings is null)
        {
            return;
        }

        foreach (var (label, byValue) in _postings)
        {
            var value = series.Label(label);
            if (!string.IsNullOrEmpty(value))
            {
                ListOf(byValue, value).Add(series);
            }
        }
    }

    public void Remove(StoredSeries series)
    {
        Series.Remove(series);
        if (_postings is null)
        {
            return;
        }

        foreach (var (label, byValue) in _postings)
        {
            var value = series.Label(label);
            if (!string.IsNullOrEmpty(value) && byValue.TryGetValue(value, out var list))
            {
                list.Remove(series);
                if (list.Count == 0)
                {
                    byValue.Remove(value);
                }
            }
        }
    }

    /// <summary>Series by value of one label (series without the label, or with it empty, are in no list).</summary>
    public Dictionary<string, List<StoredSeries>> PostingsOf(string label)
    {
        _postings ??= new(StringComparer.Ordinal);
        if (_postings.TryGetValue(label, out var byValue))
        {
            return byValue;
        }

        byValue = new Dictionary<string, List<StoredSeries>>(StringComparer.Ordinal);
        foreach (var series in Series)
        {
            var value = series.Label(label);
            if (!string.IsNullOrEmpty(value))
            {
                ListOf(byValue, value).Add(series);
            }
        }

        _postings[label] = byValue;
        return byValue;
    }

    private static List<StoredSeries> ListOf(Dictionary<string, List<StoredSeries>> byValue, string value)
    {
        if (!byValue.TryGetValue(value, out var list))
        {
            byValue[value] = list = [];
        }

        return list;
    }
}
