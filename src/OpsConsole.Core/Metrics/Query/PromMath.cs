namespace OpsConsole.Core.Metrics.Query;

/// <summary>One histogram bucket: the upper bound (le) and the cumulative count (or rate) of observations at or below it.</summary>
public readonly record struct HistogramBucket(double UpperBound, double Count);

/// <summary>
/// Prometheus's own arithmetic for counters and histograms, so the console's numbers match what the same query
/// shows in Prometheus: extrapolated rate/increase (promql/functions.go extrapolatedRate) and bucketQuantile.
/// </summary>
public static class PromMath
{
    /// <summary>
    /// rate() (perSecond) or increase() over the samples in the closed range [rangeStartMs, rangeEndMs] (Prometheus 2.x, as Debian 12 ships), with
    /// counter resets compensated and the result extrapolated towards the range boundaries the way Prometheus does.
    /// Returns NaN when fewer than two samples are in range.
    /// </summary>
    public static double ExtrapolatedRate(ReadOnlySpan<long> timestampsMs, ReadOnlySpan<double> values, long rangeStartMs, long rangeEndMs, bool isCounter, bool perSecond)
    {
        var first = -1;
        var last = -1;
        for (var i = 0; i < timestampsMs.Length; i++)
        {
            if (timestampsMs[i] < rangeStartMs || timestampsMs[i] > rangeEndMs || double.IsNaN(values[i]))
            {
                continue;
            }

            if (first < 0)
            {
                first = i;
            }

            last = i;
        }

        if (first < 0 || first == last)
        {
            return double.NaN;
        }

        var result = values[last] - values[first];
        var count = 0;
        if (isCounter)
        {
            var previous = values[first];
            for (var i = first; i <= last; i++)
            {
                if (double.IsNaN(values[i]))
                {
                    continue;
                }

                if (values[i] < previous)
                {
                    result += previous; // a reset: the counter restarted from zero
                }

                previous = values[i];
                count++;
            }
        }
        else
        {
            for (var i = first; i <= last; i++)
            {
                count += double.IsNaN(values[i]) ? 0 : 1;
            }
        }

        return Extrapolate(result, timestampsMs[first], timestampsMs[last], values[first], count, rangeStartMs, rangeEndMs, isCounter, perSecond);
    }

    /// <summary>
    /// The same over exactly the samples of one range window, as the rule evaluator selects them (stale markers already
    /// left out): every sample counts, as in Prometheus's extrapolatedRate, a NaN value included. NaN for fewer than two.
    /// </summary>
    public static double ExtrapolatedRateOfWindow(ReadOnlySpan<long> timestampsMs, ReadOnlySpan<double> values, long rangeStartMs, long rangeEndMs, bool isCounter, bool perSecond)
    {
        if (timestampsMs.Length < 2)
        {
            return double.NaN;
        }

        var result = values[^1] - values[0];
        if (isCounter)
        {
            var previous = values[0];
            for (var i = 1; i < values.Length; i++)
            {
                if (values[i] < previous)
                {
                    result += previous; // a reset: the counter restarted from zero
                }

                previous = values[i];
            }
        }

        return Extrapolate(result, timestampsMs[0], timestampsMs[^1], values[0], timestampsMs.Length, rangeStartMs, rangeEndMs, isCounter, perSecond);
    }

    private static double Extrapolate(double result, long firstMs, long lastMs, double firstValue, int count, long rangeStartMs, long rangeEndMs, bool isCounter, bool perSecond)
    {
        var durationToStart = (firstMs - rangeStartMs) / 1000.0;
        var durationToEnd = (rangeEndMs - lastMs) / 1000.0;
        var sampledInterval = (lastMs - firstMs) / 1000.0;
        var averageBetweenSamples = sampledInterval / (count - 1);
        if (isCounter && result > 0 && firstValue >= 0)
        {
            // A counter cannot go below zero: do not extrapolate further back than where it would have been zero.
            var durationToZero = sampledInterval * (firstValue / result);
            durationToStart = Math.Min(durationToStart, durationToZero);
        }

        var threshold = averageBetweenSamples * 1.1;
        var extrapolateTo = sampledInterval;
        extrapolateTo += durationToStart < threshold ? durationToStart : averageBetweenSamples / 2;
        extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetweenSamples / 2;
        var factor = extrapolateTo / sampledInterval;
        if (perSecond)
        {
            factor /= (rangeEndMs - rangeStartMs) / 1000.0;
        }

        return result * factor;
    }

    /// <summary>
    /// histogram_quantile over classic buckets (any order; must include +Inf), with Prometheus's interpolation:
    /// linear inside the bucket, the lower bound of the +Inf bucket when the rank falls there, NaN without observations.
    /// The same algorithm as the rule evaluator's <see cref="HistogramQuantileInPlace"/>, on a copy without buckets whose
    /// count is not known (a series that had no sample in the window).
    /// </summary>
    public static double HistogramQuantile(double q, IReadOnlyList<HistogramBucket> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        return HistogramQuantileInPlace(q, buckets.Where(b => !double.IsNaN(b.Count)).ToArray());
    }

    /// <summary>
    /// Prometheus 2.42's bucketQuantile exactly, in place and without allocating (the rule evaluator's path): sorts the
    /// buckets by bound, merges buckets with the same bound, repairs non-monotonic counts upwards, then interpolates.
    /// NaN without a +Inf bucket, with fewer than two buckets, or with no observations.
    /// </summary>
    public static double HistogramQuantileInPlace(double q, Span<HistogramBucket> buckets)
    {
        if (double.IsNaN(q))
        {
            return double.NaN;
        }

        if (q < 0)
        {
            return double.NegativeInfinity;
        }

        if (q > 1)
        {
            return double.PositiveInfinity;
        }

        if (buckets.Length == 0)
        {
            return double.NaN;
        }

        buckets.Sort(static (a, b) => a.UpperBound.CompareTo(b.UpperBound));
        if (!double.IsPositiveInfinity(buckets[^1].UpperBound))
        {
            return double.NaN;
        }

        var n = 0;
        for (var i = 1; i < buckets.Length; i++)
        {
            if (buckets[i].UpperBound == buckets[n].UpperBound)
            {
                buckets[n] = buckets[n] with { Count = buckets[n].Count + buckets[i].Count };
            }
            else
            {
                buckets[++n] = buckets[i];
            }
        }

        buckets = buckets[..(n + 1)];
        var max = double.NegativeInfinity;
        for (var i = 0; i < buckets.Length; i++)
        {
            if (buckets[i].Count > max)
            {
                max = buckets[i].Count;
            }
            else if (buckets[i].Count < max)
            {
                buckets[i] = buckets[i] with { Count = max };
            }
        }

        if (buckets.Length < 2)
        {
            return double.NaN;
        }

        var observations = buckets[^1].Count;
        if (observations == 0)
        {
            return double.NaN;
        }

        var rank = q * observations;

        // sort.Search over all but the +Inf bucket: the first bucket whose count reaches the rank.
        var (low, high) = (0, buckets.Length - 1);
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (buckets[mid].Count >= rank)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        var b = low;
        if (b == buckets.Length - 1)
        {
            return buckets[^2].UpperBound;
        }

        if (b == 0 && buckets[0].UpperBound <= 0)
        {
            return buckets[0].UpperBound;
        }

        var bucketStart = 0.0;
        var bucketEnd = buckets[b].UpperBound;
        var count = buckets[b].Count;
        if (b > 0)
        {
            bucketStart = buckets[b - 1].UpperBound;
            count -= buckets[b - 1].Count;
            rank -= buckets[b - 1].Count;
        }

        return bucketStart + ((bucketEnd - bucketStart) * (rank / count));
    }
}
