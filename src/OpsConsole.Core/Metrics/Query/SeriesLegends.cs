namespace OpsConsole.Core.Metrics.Query;

/// <summary>
/// Chart legends that tell a result's series apart: only the labels whose values differ between them (a label some
/// series lack counts as differing), and the metric name only when the names differ, as in <c>{code="500"}</c>. A lone
/// series shows its full label set, or the expression when it has none (e.g. <c>sum(rate(x[5m]))</c>).
/// </summary>
public static class SeriesLegends
{
    public static IReadOnlyList<string> For(IReadOnlyList<ResultSeries> series, string expression)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 1)
        {
            var only = series[0];
            return only.Labels.Count == 0 && only.Name.Length == 0 ? [expression] : [Format(only.Name, only.Labels)];
        }

        var differing = series
            .SelectMany(s => s.Labels.Select(l => l.Key))
            .Distinct(StringComparer.Ordinal)
            .Where(key => series.Select(s => ValueOf(s, key)).Distinct(StringComparer.Ordinal).Skip(1).Any())
            .ToHashSet(StringComparer.Ordinal);
        var namesDiffer = series.Select(s => s.Name).Distinct(StringComparer.Ordinal).Skip(1).Any();
        return [.. series.Select(s => Format(namesDiffer ? s.Name : "", [.. s.Labels.Where(l => differing.Contains(l.Key))]))];
    }

    /// <summary>Prometheus's notation: <c>name{a="1", b="2"}</c>, <c>{a="1"}</c>, <c>name</c>, or <c>{}</c> for nothing.</summary>
    public static string Format(string name, IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return labels.Count == 0 && name.Length > 0
            ? name
            : $"{name}{{{string.Join(", ", labels.Select(l => $"{l.Key}=\"{LabelMatcher.Escape(l.Value)}\""))}}}";
    }

    private static string ValueOf(ResultSeries series, string key)
    {
        foreach (var (name, value) in series.Labels)
        {
            if (string.Equals(name, key, StringComparison.Ordinal))
            {
                return value;
            }
        }

        return "";
    }
}
