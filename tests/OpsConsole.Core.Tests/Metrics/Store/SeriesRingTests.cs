using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.Store;

public sealed class SeriesRingTests
{
    [Fact]
    public void Span_reads_agree_with_the_list_read_for_any_window_on_a_wrapped_ring()
    {
        // Irregular spacing, a ring that has wrapped several times, and windows of every width around its contents.
        var random = new Random(7);
        var ring = new SeriesRing(maxCapacity: 50, initialCapacity: 50);
        var t = 1_000L;
        for (var i = 0; i < 173; i++)
        {
            t += random.Next(1, 30_000);
            ring.Append(t, i);
        }

        var timestamps = new long[ring.Count];
        var values = new double[ring.Count];
        var oldest = ring.TimestampAt(0);
        for (var trial = 0; trial < 2_000; trial++)
        {
            var from = oldest - 60_000 + random.NextInt64(t - oldest + 120_000);
            var to = from + random.NextInt64(0, 2_000_000);
            var expectedTimestamps = new List<long>();
            var expectedValues = new List<double>();
            ring.CopyRange(from, to, expectedTimestamps, expectedValues);

            var n = ring.CopyRange(from, to, timestamps, values);

            Assert.Equal(expectedTimestamps, timestamps[..n]);
            Assert.Equal(expectedValues, values[..n]);
            var at = ring.IndexAtOrBefore(to);
            var found = ring.TryGetAtOrBefore(to, out var sampleTimestamp, out var value);
            Assert.Equal(at >= 0, found);
            if (found)
            {
                Assert.Equal((ring.TimestampAt(at), ring.ValueAt(at)), (sampleTimestamp, value));
                Assert.True(sampleTimestamp <= to && (at == ring.Count - 1 || ring.TimestampAt(at + 1) > to));
            }
        }
    }

    [Fact]
    public void The_ring_knows_whether_it_holds_a_stale_marker_through_overwrites_and_trims()
    {
        var ring = new SeriesRing(maxCapacity: 3, initialCapacity: 3);
        ring.Append(1, 1);
        Assert.False(ring.HasStaleMarkers);

        ring.Append(2, MetricStore.StaleMarker);
        ring.Append(3, double.NaN); // a NaN value is not a stale marker
        Assert.True(ring.HasStaleMarkers);

        ring.Append(4, 4);
        Assert.True(ring.HasStaleMarkers); // the marker at 2 is still held
        ring.Append(5, 5);
        Assert.False(ring.HasStaleMarkers); // overwritten

        ring.Append(6, MetricStore.StaleMarker);
        ring.TrimBefore(7);
        Assert.Equal(0, ring.Count);
        Assert.False(ring.HasStaleMarkers);
        Assert.False(ring.TryGetAtOrBefore(10, out _, out _));
        Assert.Equal(long.MinValue, ring.LastTimestamp);
    }

    [Fact]
    public void The_newest_sample_survives_growth_and_out_of_order_appends()
    {
        var ring = new SeriesRing(maxCapacity: 100, initialCapacity: 2);
        ring.Append(10, 1);
        ring.Append(20, 2);
        ring.Grow();
        Assert.False(ring.Append(15, 9));

        Assert.Equal((20L, 2d), (ring.LastTimestamp, ring.LastValue));
        Assert.True(ring.TryGetAtOrBefore(19, out var t, out var v));
        Assert.Equal((10L, 1d), (t, v));
        Assert.Throws<ArgumentException>(() => ring.CopyRange(0, 100, new long[1], new double[1]));
    }
}
