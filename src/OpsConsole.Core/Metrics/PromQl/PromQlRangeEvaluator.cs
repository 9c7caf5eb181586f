using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Metrics.PromQl;

/// <summary>One series of a range evaluation: its name (null once dropped), its labels sorted by name, one value per step (NaN: none).</summary>
public sealed record PromQlRangeSeries(string? MetricName, IReadOnlyList<KeyValuePair<string, string>> Labels, double[] Values);

/// <summary>
/// A range query over the <see cref="MetricStore"/>, as Prometheus's <c>/api/v1/query_range</c>: the expression is
/// evaluated at each timestamp, and the samples are gathered by labelset (metric name included) into series. A scalar
/// result is one series without labels, as Prometheus returns it. Every labelset keeps a value slot per step, so the
/// number of series times steps is capped (Prometheus caps samples in memory for the same reason).
/// </summary>
public sealed class PromQlRangeEvaluator(MetricStore store)
{
    /// <summary>Values held at once (series × steps) by default: 16 MB of doubles.</summary>
    public const long DefaultMaxValues = 2_000_000;

    private readonly PromQlEvaluator _evaluator = new(store);

    /// <summary>
    /// Evaluates <paramref name="expr"/> at each of <paramref name="timestampsMs"/>. Throws
    /// <see cref="PromQlEvaluationException"/> for an expression the data cannot satisfy (e.g. many-to-many matching) and
    /// <see cref="MetricQueryException"/> when the result would hold more than <paramref name="maxValues"/> values.
    /// </summary>
    public IReadOnlyList<PromQlRangeSeries> Evaluate(PromQlExpr expr, long[] timestampsMs, long maxValues = DefaultMaxValues, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(timestampsMs);
        var index = new Dictionary<SeriesKey, int>(SeriesKeyComparer.Instance);
        var series = new List<PromQlRangeSeries>();
        double[]? scalar = null;
        for (var step = 0; step < timestampsMs.Length; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = _evaluator.Evaluate(expr, timestampsMs[step]);
            if (result.IsScalar)
            {
                scalar ??= NewValues(timestampsMs.Length);
                scalar[step] = result.Scalar;
                continue;
            }

            foreach (var sample in result.Samples)
            {
                var key = new SeriesKey(sample.MetricName, sample.Labels);
                if (!index.TryGetValue(key, out var at))
                {
                    if ((series.Count + 1L) * timestampsMs.Length > maxValues)
                    {
                        throw new MetricQueryException(
                            $"The expression gives too many series for this range (more than {maxValues / timestampsMs.Length:N0} over {timestampsMs.Length:N0} steps); narrow it with label matchers or an aggregation, or use a shorter range.")
                        { IsInvalidQuery = true };
                    }

                    at = series.Count;
                    index.Add(key, at);
                    series.Add(new PromQlRangeSeries(sample.MetricName, [.. sample.Labels.Where(l => l.Value.Length > 0)], NewValues(timestampsMs.Length)));
                }

                series[at].Values[step] = sample.Value;
            }
        }

        return scalar is null ? series : [new PromQlRangeSeries(null, [], scalar)];
    }

    private static double[] NewValues(int length)
    {
        var values = new double[length];
        Array.Fill(values, double.NaN);
        return values;
    }

    private readonly record struct SeriesKey(string? Name, IReadOnlyList<KeyValuePair<string, string>> Labels);

    /// <summary>Labelsets by content (labels come sorted by name; empty values mean absent, as in Prometheus).</summary>
    private sealed class SeriesKeyComparer : IEqualityComparer<SeriesKey>
    {
        public static readonly SeriesKeyComparer Instance = new();

        public bool Equals(SeriesKey x, SeriesKey y)
        {
            if (!string.Equals(x.Name, y.Name, StringComparison.Ordinal))
            {
                return false;
            }

            if (ReferenceEquals(x.Labels, y.Labels))
            {
                return true; // the store's own label arrays are shared into results: the common case for selectors
            }

            int i = 0, j = 0;
            while (true)
            {
                while (i < x.Labels.Count && x.Labels[i].Value.Length == 0)
                {
                    i++;
                }

                while (j < y.Labels.Count && y.Labels[j].Value.Length == 0)
                {
                    j++;
                }

                if (i == x.Labels.Count || j == y.Labels.Count)
                {
                    return i == x.Labels.Count && j == y.Labels.Count;
                }

                if (!string.Equals(x.Labels[i].Key, y.Labels[j].Key, StringComparison.Ordinal)
                    || !string.Equals(x.Labels[i].Value, y.Labels[j].Value, StringComparison.Ordinal))
                {
                    return false;
                }

                i++;
                j++;
            }
        }

        public int GetHashCode(SeriesKey key)
        {
            var hash = new HashCode();
            hash.Add(key.Name, StringComparer.Ordinal);
            foreach (var (name, value) in key.Labels)
            {
                if (value.Length > 0)
                {
                    hash.Add(name, StringComparer.Ordinal);
                    hash.Add(value, StringComparer.Ordinal);
                }
            }

            return hash.ToHashCode();
        }
    }
}
