using System.Globalization;
using System.Text;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Memory of the metric store, measured with the GC (GC.GetTotalMemory after full collections): bytes per series just
/// created (labels, index entries, a minimal ring) and bytes per stored sample once rings hold their full retention;
/// then a store with a small cap fed far more than fits, to show it stays under Metrics:MaxBytes.
/// </summary>
public sealed class StoreMemoryHarness : IHarness
{
    public string Name => "store";

    public string Description => "metric store memory: bytes per series and per sample, and the byte cap holding (--series 20000)";

    public Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 1 && args[0] == "--series" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
        var labels = new Dictionary<string, string> { ["job"] = "shop", ["instance"] = "10.0.0.1:8080", ["env"] = "prod" };
        var options = new MetricStoreOptions { Retention = TimeSpan.FromHours(1), ScrapeInterval = TimeSpan.FromSeconds(15), MaxBytes = 8L << 30, MaxSeries = 1_000_000, MaxSeriesPerTarget = 1_000_000 };
        var scrape = Exposition(count, 0);

        var baseline = Measure();
        var store = new MetricStore(options);
        store.Ingest("shop", labels, scrape, ExpositionFormat.PrometheusText, 0);
        var afterCreate = Measure();
        var accountedAtCreate = store.BytesUsed;
        var perSeries = (afterCreate - baseline) / (double)count;

        var samples = options.SamplesPerSeries;
        for (var i = 1; i < samples; i++)
        {
            store.Ingest("shop", labels, Exposition(count, i), ExpositionFormat.PrometheusText, i * 15_000L);
        }

        var full = Measure();
        var perSample = (full - afterCreate) / ((double)count * (samples - 1));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"store: {count:N0} series (3 labels + job, instance, env), created: {perSeries:0} B per series measured, {accountedAtCreate / (double)count:0} B accounted"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"store: {samples} samples per series (1 h at 15 s): {perSample:0.0} B per stored sample; total {full - baseline:N0} B measured, {store.BytesUsed:N0} B accounted"));
        GC.KeepAlive(store);

        // A 64 MiB cap fed more than fits: the store stays under it, refuses and counts the excess.
        var capped = new MetricStore(new MetricStoreOptions { Retention = options.Retention, ScrapeInterval = options.ScrapeInterval, MaxBytes = 64L << 20, MaxSeries = options.MaxSeries, MaxSeriesPerTarget = options.MaxSeriesPerTarget });
        for (var i = 0; i < 60; i++)
        {
            capped.Ingest("shop", labels, Exposition(count * 20, i), ExpositionFormat.PrometheusText, i * 15_000L);
        }

        var measured = Measure() - full;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"store: cap 64 MiB: accounted {capped.BytesUsed / 1048576.0:0.0} MiB, measured {measured / 1048576.0:0.0} MiB, {capped.SeriesCount:N0} series kept, {capped.DroppedSeriesTotal:N0} series refused, {capped.SamplesDroppedForMemory:N0} samples dropped for memory"));
        GC.KeepAlive(capped);
        return Task.FromResult(0);
    }

    private static long Measure()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static byte[] Exposition(int series, int tick)
    {
        var text = new StringBuilder(series * 80);
        for (var i = 0; i < series; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"app_requests_total{{route=\"/api/r{i % 100}\",code=\"{200 + (i / 100 % 5 * 100)}\",pod=\"p{i / 500}\"}} {tick * (i + 1)}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
