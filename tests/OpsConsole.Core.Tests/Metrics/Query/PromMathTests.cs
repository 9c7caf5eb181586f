using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Tests.Metrics.Query;

public sealed class PromMathTests
{
    [Fact]
    public void Rate_of_a_steady_counter_sampled_on_the_range_edges_is_its_slope()
    {
        long[] t = [0, 15_000, 30_000, 45_000, 60_000];
        double[] v = [0, 15, 30, 45, 60];

        Assert.Equal(1.0, PromMath.ExtrapolatedRate(t, v, 0, 60_000, isCounter: true, perSecond: true), 9);
        Assert.Equal(60.0, PromMath.ExtrapolatedRate(t, v, 0, 60_000, isCounter: true, perSecond: false), 9);
    }

    [Fact]
    public void Rate_extrapolates_to_the_range_edges_but_not_below_zero()
    {
        // Samples 5 s after the start and 10 s before the end: both gaps are within 1.1 sample intervals, so they are
        // extrapolated; the counter would reach zero 10 s before the first sample, which does not limit the 5 s.
        long[] t = [5_000, 20_000, 35_000, 50_000];
        double[] v = [10, 25, 40, 55];

        Assert.Equal(1.0, PromMath.ExtrapolatedRate(t, v, 0, 60_000, isCounter: true, perSecond: true), 9);

        // A counter starting at 1 would have been zero 1 s before its first sample: extrapolation stops there.
        double[] fromOne = [1, 16, 31, 46];
        Assert.Equal(56.0 / 60.0, PromMath.ExtrapolatedRate(t, fromOne, 0, 60_000, isCounter: true, perSecond: true), 9);
    }

    [Fact]
    public void Rate_compensates_counter_resets()
    {
        long[] t = [0, 15_000, 30_000, 45_000, 60_000];
        double[] v = [0, 10, 20, 5, 15];

        Assert.Equal(35.0 / 60.0, PromMath.ExtrapolatedRate(t, v, 0, 60_000, isCounter: true, perSecond: true), 9);
    }

    [Fact]
    public void Rate_needs_two_samples_in_range_and_skips_stale_markers()
    {
        long[] t = [0, 15_000, 30_000];
        double[] v = [1, double.NaN, 3];

        Assert.True(double.IsNaN(PromMath.ExtrapolatedRate(t, v, 10_000, 29_000, isCounter: true, perSecond: true)));
        Assert.Equal(2.0 / 30.0, PromMath.ExtrapolatedRate(t, v, 0, 30_000, isCounter: true, perSecond: true), 9);
    }

    [Theory]
    [InlineData(0.95, 0.75)]
    [InlineData(0.5, 0.1)]
    [InlineData(0.7, 0.3)]
    [InlineData(0.0, 0.0)]
    public void Quantile_interpolates_linearly_inside_the_bucket(double q, double expected)
    {
        HistogramBucket[] buckets = [new(0.5, 90), new(double.PositiveInfinity, 100), new(0.1, 50), new(1, 100)];

        Assert.Equal(expected, PromMath.HistogramQuantile(q, buckets), 9);
    }

    [Fact]
    public void Quantile_in_the_inf_bucket_is_the_highest_finite_bound_and_needs_observations()
    {
        Assert.Equal(0.1, PromMath.HistogramQuantile(0.95, [new(0.1, 50), new(double.PositiveInfinity, 100)]));
        Assert.True(double.IsNaN(PromMath.HistogramQuantile(0.95, [new(0.1, 0), new(double.PositiveInfinity, 0)])));
        Assert.True(double.IsNaN(PromMath.HistogramQuantile(0.95, [new(0.1, 5), new(1, 10)])), "without +Inf the histogram is invalid");
        Assert.Equal(double.PositiveInfinity, PromMath.HistogramQuantile(1.5, [new(0.1, 5), new(double.PositiveInfinity, 10)]));
    }

    [Fact]
    public void Quantile_flattens_non_monotonic_buckets_as_Prometheus_does()
    {
        // 0.5 has a lower count than 0.1 (scraped mid-update): treated as 50, so the rank falls in (0.5, 1].
        HistogramBucket[] buckets = [new(0.1, 50), new(0.5, 40), new(1, 100), new(double.PositiveInfinity, 100)];

        Assert.Equal(0.5 + (0.5 * (45.0 / 50.0)), PromMath.HistogramQuantile(0.95, buckets), 9);
    }

    [Fact]
    public void Rate_of_a_window_counts_every_sample_it_is_given()
    {
        long[] t = [5_000, 20_000, 35_000, 50_000];
        double[] v = [10, 25, 5, 20];

        // Same as the range form when there is nothing to skip: 35 of increase over 45 s, extrapolated to 60 s.
        Assert.Equal(PromMath.ExtrapolatedRate(t, v, 0, 60_000, isCounter: true, perSecond: true), PromMath.ExtrapolatedRateOfWindow(t, v, 0, 60_000, isCounter: true, perSecond: true), 12);
        Assert.Equal(35.0 * 60 / 45, PromMath.ExtrapolatedRateOfWindow(t, v, 0, 60_000, isCounter: true, perSecond: false), 9);

        // Not a counter (delta-like): no reset compensation and no zero-point limit.
        Assert.Equal(10.0 * 60 / 45, PromMath.ExtrapolatedRateOfWindow(t, v, 0, 60_000, isCounter: false, perSecond: false), 9);
        Assert.True(double.IsNaN(PromMath.ExtrapolatedRateOfWindow(t.AsSpan(0, 1), v.AsSpan(0, 1), 0, 60_000, isCounter: true, perSecond: true)));
    }

    [Fact]
    public void In_place_quantile_sorts_merges_equal_bounds_and_repairs_like_bucketQuantile()
    {
        // "1" and "1.0" are the same bucket to Prometheus: their counts add up.
        HistogramBucket[] buckets = [new(double.PositiveInfinity, 100), new(1, 30), new(0.5, 40), new(1, 30), new(0.1, 50)];

        // After merging: 0.1:50, 0.5:40 -> 50 (repaired), 1:60, +Inf:100. q=0.55: rank 55 falls in (0.5, 1] holding 10.
        Assert.Equal(0.5 + (0.5 * (5.0 / 10.0)), PromMath.HistogramQuantileInPlace(0.55, buckets), 9);
        Assert.Equal(1, PromMath.HistogramQuantileInPlace(0.9, [new(0.5, 40), new(1, 60), new(double.PositiveInfinity, 100)]));
        Assert.Equal(-1, PromMath.HistogramQuantileInPlace(0.1, [new(-1, 10), new(double.PositiveInfinity, 20)])); // a non-positive first bound is returned as is
        Assert.True(double.IsNaN(PromMath.HistogramQuantileInPlace(0.5, [new(double.PositiveInfinity, 10)])));
        Assert.True(double.IsNaN(PromMath.HistogramQuantileInPlace(0.5, [])));
        Assert.Equal(double.NegativeInfinity, PromMath.HistogramQuantileInPlace(-0.5, [new(double.PositiveInfinity, 10)]));
    }
}
