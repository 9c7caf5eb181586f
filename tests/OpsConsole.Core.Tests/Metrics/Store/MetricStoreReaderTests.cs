using System.Text;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.Store;

public sealed class MetricStoreReaderTests
{
    private static readonly Dictionary<string, string> Target = new() { ["job"] = "shop", ["instance"] = "127.0.0.1:5081" };

    private static void Ingest(MetricStore store, string text, long at, string target = "shop") =>
        store.Ingest(target, Target, Encoding.UTF8.GetBytes(text), ExpositionFormat.PrometheusText, at);

    [Fact]
    public void The_reader_lists_series_by_name_and_by_label_value_and_follows_later_changes()
    {
        var store = new MetricStore(new MetricStoreOptions());
        Ingest(store, "r{code=\"200\"} 1\nr{code=\"500\"} 2\nother 3\n", 1_000);

        var (all, ok, codes) = store.Read(0, static (reader, _) =>
            (reader.SeriesOf("r").Count, reader.SeriesWith("r", "code", "200").Single().Label("code"), reader.LabelValues("r", "code").Order().ToList()));
        Assert.Equal((2, "200"), (all, ok));
        Assert.Equal(["200", "500"], codes);

        // The label index, built by the first query, takes in series created afterwards and lets go of removed ones.
        Ingest(store, "r{code=\"503\"} 1\nr{code=\"200\"} 1\n", 16_000);
        Assert.Single(store.Read(0, static (reader, _) => reader.SeriesWith("r", "code", "503").ToList()));
        store.Compact(16_000 + (long)TimeSpan.FromHours(7).TotalMilliseconds);
        Assert.Equal((0, 0, 0), store.Read(0, static (reader, _) => (reader.SeriesOf("r").Count, reader.SeriesWith("r", "code", "503").Count, reader.LabelValues("r", "code").Count)));
        Assert.Empty(store.Read(0, static (reader, _) => reader.MetricNames.ToList()));
    }

    [Fact]
    public void Sample_reads_find_the_newest_at_or_before_and_copy_closed_ranges_across_the_rings_wrap()
    {
        // Retention 1 min at 15 s: five samples at most, so twelve appends wrap the ring.
        var store = new MetricStore(new MetricStoreOptions { Retention = TimeSpan.FromMinutes(1), ScrapeInterval = TimeSpan.FromSeconds(15) });
        for (var i = 0; i < 12; i++)
        {
            Ingest(store, $"g {i}\n", i * 15_000L);
        }

        var (before, exact, early) = store.Read(0, static (reader, _) =>
        {
            var series = reader.SeriesOf("g")[0];
            reader.TryGetAtOrBefore(series, 160_000, out var t1, out var v1);
            reader.TryGetAtOrBefore(series, 165_000, out var t2, out var v2);
            var none = reader.TryGetAtOrBefore(series, 100_000, out long _, out double _);
            return ((t1, v1), (t2, v2), none);
        });
        Assert.Equal((150_000L, 10d), before);
        Assert.Equal((165_000L, 11d), exact);
        Assert.False(early); // older than what the ring still holds

        var copied = store.Read(0, static (reader, _) =>
        {
            var series = reader.SeriesOf("g")[0];
            var timestamps = new long[reader.SampleCount(series)];
            var values = new double[timestamps.Length];
            var n = reader.CopySamples(series, 120_000, 150_000, timestamps, values);
            return values[..n];
        });
        Assert.Equal([8d, 9d, 10d], copied);
    }

    [Fact]
    public void The_reader_refuses_use_outside_the_callback()
    {
        var store = new MetricStore(new MetricStoreOptions());
        Ingest(store, "a 1\n", 1_000);

        var leaked = store.Read(0, static (reader, _) => reader);

        Assert.Throws<InvalidOperationException>(() => leaked.SeriesOf("a"));
    }
}
