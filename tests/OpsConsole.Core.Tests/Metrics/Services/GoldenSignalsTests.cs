using System.Globalization;
using System.Text;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.Services;

public sealed class GoldenSignalsTests
{
    private static readonly Dictionary<string, string> Shop = new() { ["job"] = "shop", ["instance"] = "127.0.0.1:5081" };
    private const long Interval = 15_000;

    /// <summary>prometheus-net's shape: requests by code, a latency histogram, process CPU and memory, in-flight gauge.</summary>
    private static string Exposition(int scrape) =>
        string.Create(CultureInfo.InvariantCulture, $"""
        # TYPE http_requests_received_total counter
        http_requests_received_total{"{"}code="200",method="GET",endpoint="/api/products"{"}"} {90 * scrape}
        http_requests_received_total{"{"}code="429",method="GET",endpoint="/api/products"{"}"} {6 * scrape}
        http_requests_received_total{"{"}code="503",method="POST",endpoint="/api/orders"{"}"} {4 * scrape}
        # TYPE http_request_duration_seconds histogram
        http_request_duration_seconds_bucket{"{"}code="200",le="0.1"{"}"} {50 * scrape}
        http_request_duration_seconds_bucket{"{"}code="200",le="0.5"{"}"} {90 * scrape}
        http_request_duration_seconds_bucket{"{"}code="200",le="+Inf"{"}"} {90 * scrape}
        http_request_duration_seconds_bucket{"{"}code="503",le="0.1"{"}"} 0
        http_request_duration_seconds_bucket{"{"}code="503",le="0.5"{"}"} 0
        http_request_duration_seconds_bucket{"{"}code="503",le="+Inf"{"}"} {10 * scrape}
        # TYPE process_cpu_seconds_total counter
        process_cpu_seconds_total {3 * scrape}
        # TYPE process_resident_memory_bytes gauge
        process_resident_memory_bytes 104857600
        # TYPE http_requests_in_progress gauge
        http_requests_in_progress{"{"}method="GET"{"}"} 2
        http_requests_in_progress{"{"}method="POST"{"}"} 1

        """);

    private static MetricStore Store(int scrapes)
    {
        var store = new MetricStore(new MetricStoreOptions { ScrapeInterval = TimeSpan.FromMilliseconds(Interval), Retention = TimeSpan.FromHours(1) });
        for (var i = 0; i <= scrapes; i++)
        {
            store.Ingest("shop", Shop, Encoding.UTF8.GetBytes(Exposition(i)), ExpositionFormat.PrometheusText, i * Interval);
        }

        return store;
    }

    [Fact]
    public void Computes_rate_error_ratio_p95_and_saturation_like_the_equivalent_PromQL()
    {
        var store = Store(8);

        var signals = GoldenSignals.Compute(store, "shop", [8 * Interval], TimeSpan.FromMinutes(1));

        // sum(rate(http_requests_received_total[1m])): 100 requests per 15 s.
        Assert.Equal(100.0 / 15, signals.RequestRate[0], 6);
        // 429 is not a server error; 503 is: 4 of 100.
        Assert.Equal(0.04, signals.ErrorRatio[0], 6);
        // histogram_quantile(0.95, sum by (le) (rate(...))): per 15 s, 50 ≤ 0.1, 90 ≤ 0.5, 100 total; rank 95 is in +Inf.
        Assert.Equal(0.5, signals.LatencyP95[0], 6);
        Assert.Equal(0.2, signals.CpuCores[0], 6);
        Assert.Equal(104857600, signals.MemoryBytes[0]);
        Assert.Equal(3, signals.InFlight[0]);
    }

    [Fact]
    public void Without_traffic_or_data_the_signals_are_absent_not_zero()
    {
        var store = Store(0);

        var one = GoldenSignals.Compute(store, "shop", [0], TimeSpan.FromMinutes(1));
        var other = GoldenSignals.Compute(store, "billing", [0], TimeSpan.FromMinutes(1));

        Assert.True(double.IsNaN(one.RequestRate[0]), "one sample is not enough for a rate");
        Assert.True(double.IsNaN(one.ErrorRatio[0]));
        Assert.Equal(104857600, one.MemoryBytes[0]);
        Assert.False(other.HasRequests);
        Assert.True(double.IsNaN(other.MemoryBytes[0]));
    }

    [Fact]
    public void Signals_follow_the_alternative_names_other_exporters_use()
    {
        var store = new MetricStore(new MetricStoreOptions { ScrapeInterval = TimeSpan.FromMilliseconds(Interval) });
        for (var i = 0; i <= 4; i++)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"# TYPE http_server_request_duration_seconds histogram\nhttp_server_request_duration_seconds_count{{http_response_status_code=\"500\"}} {i}\nhttp_server_request_duration_seconds_count{{http_response_status_code=\"200\"}} {9 * i}\n");
            store.Ingest("otel", new Dictionary<string, string> { ["job"] = "otel" }, Encoding.UTF8.GetBytes(text), ExpositionFormat.PrometheusText, i * Interval);
        }

        var signals = GoldenSignals.Compute(store, "otel", [4 * Interval], TimeSpan.FromMinutes(1));

        Assert.Equal(10.0 / 15, signals.RequestRate[0], 6);
        Assert.Equal(0.1, signals.ErrorRatio[0], 6);
    }
}
