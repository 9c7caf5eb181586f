using System.Text;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.Store;

public sealed class MetricStoreTests
{
    private static readonly Dictionary<string, string> Target = new() { ["job"] = "shop", ["instance"] = "127.0.0.1:5081", ["env"] = "demo" };

    private static IngestResult Ingest(MetricStore store, string text, long at, string target = "shop") =>
        store.Ingest(target, Target, Encoding.UTF8.GetBytes(text), ExpositionFormat.PrometheusText, at);

    [Fact]
    public void Samples_land_in_their_series_with_the_targets_labels_and_type()
    {
        var store = new MetricStore(new MetricStoreOptions());
        var result = Ingest(store, "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} 5\nhttp_requests_total{code=\"500\"} 1\n", 1_000);
        Ingest(store, "http_requests_total{code=\"200\"} 7\nhttp_requests_total{code=\"500\"} 1\n", 16_000);

        Assert.Equal(new IngestResult(2, 2, 0, 0, 0, 0), result);
        var ok = Assert.Single(store.Select("http_requests_total", s => s.Label("code") == "200", 0, long.MaxValue));
        Assert.Equal([1_000L, 16_000L], ok.Timestamps);
        Assert.Equal([5d, 7d], ok.Values);
        Assert.Equal(MetricType.Counter, ok.Series.Type);
        Assert.Equal(["code", "env", "instance", "job"], ok.Series.Labels.Select(l => l.Key));
        Assert.Equal("shop", ok.Series.Label("job"));
    }

    [Fact]
    public void A_series_that_disappears_or_a_target_that_fails_gets_a_stale_marker()
    {
        var store = new MetricStore(new MetricStoreOptions());
        Ingest(store, "a 1\nb 2\n", 1_000);

        var second = Ingest(store, "a 1\n", 16_000);
        Assert.Equal(1, second.StaleMarked);
        Assert.True(MetricStore.IsStale(store.Select("b", null, 0, long.MaxValue).Single().Values[^1]));

        Assert.Equal(1, store.MarkTargetStale("shop", 31_000));
        Assert.True(MetricStore.IsStale(store.Select("a", null, 0, long.MaxValue).Single().Values[^1]));
        Assert.False(MetricStore.IsStale(double.NaN)); // a NaN value is a value, not the end of a series
    }

    [Fact]
    public void The_scrapers_own_series_are_not_marked_stale_by_the_next_scrape_and_up_is_kept_at_every_scrape()
    {
        var store = new MetricStore(new MetricStoreOptions());
        for (var scrape = 0; scrape < 4; scrape++)
        {
            var at = 1_000 + (scrape * 15_000L);
            Ingest(store, "a 1\n", at);
            store.WriteSynthetic("shop", Target, "up", 1, at);
            store.WriteSynthetic("shop", Target, "scrape_duration_seconds", 0.01, at);
        }

        var up = store.Select("up", null, 0, long.MaxValue).Single();
        Assert.Equal([1_000L, 16_000L, 31_000L, 46_000L], up.Timestamps);
        Assert.Equal([1d, 1d, 1d, 1d], up.Values);
        Assert.DoesNotContain(store.Select("scrape_duration_seconds", null, 0, long.MaxValue).Single().Values, MetricStore.IsStale);

        Assert.Equal(1, store.MarkTargetStale("shop", 61_000)); // a failed scrape ends a, and up says 0 instead
        store.WriteSynthetic("shop", Target, "up", 0, 61_000);
        Assert.Equal(0, store.Select("up", null, 0, long.MaxValue).Single().Values[^1]);
    }

    [Fact]
    public void Duplicates_and_out_of_order_samples_are_counted_not_stored()
    {
        var store = new MetricStore(new MetricStoreOptions());
        Ingest(store, "a 1 5000\n", 1_000);

        var result = Ingest(store, "a 2 4000\nb 1\nb 2\n", 16_000);

        Assert.Equal(1, result.OutOfOrder);
        Assert.Equal(1, result.Duplicates);
        Assert.Equal([1d], store.Select("b", null, 0, long.MaxValue).Single().Values);
    }

    [Fact]
    public void A_label_explosion_is_capped_per_target_and_other_targets_keep_working()
    {
        var store = new MetricStore(new MetricStoreOptions { MaxSeriesPerTarget = 100 });
        var exploding = string.Concat(Enumerable.Range(0, 1000).Select(i => $"requests{{user=\"u{i}\"}} 1\n"));

        var result = Ingest(store, exploding, 1_000, target: "bad");
        var other = Ingest(store, "up_and_fine 1\n", 1_000, target: "good");

        Assert.Equal(100, result.NewSeries);
        Assert.Equal(900, result.DroppedSeries);
        Assert.Equal(900, store.DroppedSeriesTotal);
        Assert.Equal(1, other.NewSeries);
    }

    [Fact]
    public void The_byte_cap_refuses_new_series_and_the_store_stays_under_it()
    {
        var options = new MetricStoreOptions { MaxBytes = 64 * 1024, Retention = TimeSpan.FromHours(1), ScrapeInterval = TimeSpan.FromSeconds(15) };
        var store = new MetricStore(options);
        var many = string.Concat(Enumerable.Range(0, 1000).Select(i => $"m{{i=\"{i}\"}} 1\n"));

        var result = Ingest(store, many, 1_000);

        Assert.True(result.DroppedSeries > 0);
        Assert.True(store.BytesUsed <= options.MaxBytes, $"{store.BytesUsed} > {options.MaxBytes}");
    }

    [Fact]
    public void Rings_grow_with_their_history_until_the_byte_cap_then_keep_the_newest_samples_and_count_the_rest()
    {
        // Two series whose rings could each hold 241 samples (1 h at 15 s); the cap leaves room for about 100 in total.
        var options = new MetricStoreOptions { MaxBytes = 1_000 + (2 * 8 * 16) + (100 * 16), Retention = TimeSpan.FromHours(1), ScrapeInterval = TimeSpan.FromSeconds(15) };
        var store = new MetricStore(options);
        for (var i = 0; i < 200; i++)
        {
            Ingest(store, $"a {i}\nb {i}\n", 1_000 + (i * 15_000));
        }

        var a = store.Select("a", null, 0, long.MaxValue).Single();
        Assert.True(a.Values.Length is > 8 and < 200, $"{a.Values.Length} samples kept");
        Assert.Equal(199, a.Values[^1]);
        Assert.Equal(Enumerable.Range(200 - a.Values.Length, a.Values.Length).Select(v => (double)v), a.Values);
        Assert.True(store.BytesUsed <= options.MaxBytes, $"{store.BytesUsed} > {options.MaxBytes}");
        Assert.True(store.SamplesDroppedForMemory > 0);
    }

    [Fact]
    public void Rings_keep_the_newest_samples_and_compaction_drops_past_retention()
    {
        var store = new MetricStore(new MetricStoreOptions { Retention = TimeSpan.FromMinutes(1), ScrapeInterval = TimeSpan.FromSeconds(15) });
        for (var i = 0; i < 10; i++)
        {
            Ingest(store, $"a {i}\n", 1_000 + (i * 15_000));
        }

        var kept = store.Select("a", null, 0, long.MaxValue).Single();
        Assert.Equal(store.Options.SamplesPerSeries, kept.Values.Length); // 5: one minute of 15 s samples, plus one
        Assert.Equal(9, kept.Values[^1]);

        Assert.Equal(1, store.Compact(nowMs: 10_000_000));
        Assert.Equal(0, store.SeriesCount);
        Assert.Equal(0, store.BytesUsed);
    }

    [Fact]
    public void Steady_state_ingestion_allocates_nothing_per_sample()
    {
        var text = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Metrics", "Exposition", "Fixtures", "node-exporter.prom"));
        var store = new MetricStore(new MetricStoreOptions());
        store.Ingest("node", Target, text, ExpositionFormat.PrometheusText, 1_000); // creates the series
        store.Ingest("node", Target, text, ExpositionFormat.PrometheusText, 16_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = store.Ingest("node", Target, text, ExpositionFormat.PrometheusText, 31_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(result.Samples > 400);
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for {result.Samples} samples");
    }

    [Fact]
    public void Invalid_utf8_and_duplicate_labels_in_a_new_series_fail_the_scrape_with_the_line()
    {
        var store = new MetricStore(new MetricStoreOptions());

        var duplicate = Assert.Throws<ExpositionFormatException>(() => Ingest(store, "ok 1\na{x=\"1\",x=\"2\"} 1\n", 1_000));

        Assert.Equal(2, duplicate.LineNumber);
        Assert.Contains("duplicate label \"x\"", duplicate.Message, StringComparison.Ordinal);
    }
}
