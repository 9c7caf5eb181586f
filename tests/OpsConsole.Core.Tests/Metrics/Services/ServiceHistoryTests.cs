using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.Services;

public sealed class ServiceHistoryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly MetricStore _store = new(new MetricStoreOptions { ScrapeInterval = TimeSpan.FromSeconds(15), Retention = TimeSpan.FromHours(1) });
    private readonly RecordingRemote _remote = new();

    private ServiceHistory Create(IRemoteMetricBackend? remote)
    {
        var bus = new LiveEventBus();
        var target = new ScrapeTarget { Name = "shop", Url = "http://127.0.0.1:5081/metrics" };
        var scraper = new ScrapeService(Options.Create(new MetricsOptions { Targets = [target] }), _store, null!, bus, _time, NullLogger<ScrapeService>.Instance);
        var overview = new ServiceOverview(_store, scraper, bus, Options.Create(new ServiceSignalsOptions()), _time);
        _store.Ingest("shop", target.StoreLabels(), Encoding.UTF8.GetBytes("# TYPE http_server_requests_seconds_count counter\nhttp_server_requests_seconds_count{status=\"200\"} 1\n"), ExpositionFormat.PrometheusText, Now.ToUnixTimeMilliseconds());
        return new ServiceHistory(overview, new MetricQueryService(_store, _time, remote), _store, _time, remote);
    }

    [Fact]
    public async Task Within_the_retention_the_store_answers_and_Prometheus_is_not_asked()
    {
        var result = await Create(_remote).LoadAsync("shop", Now.AddMinutes(-15), Now);

        Assert.Equal(QuerySource.Console, result.Source);
        Assert.Empty(_remote.Queries);
    }

    [Fact]
    public async Task Beyond_the_retention_Prometheus_gets_the_signals_as_PromQL_with_the_names_the_service_uses()
    {
        var result = await Create(_remote).LoadAsync("shop", Now.AddHours(-6), Now);

        Assert.Equal(QuerySource.Prometheus, result.Source);
        Assert.Equal(
        [
            "sum(rate(http_server_requests_seconds_count{job=\"shop-prod\"}[195s]))",
            "sum(rate(http_server_requests_seconds_count{job=\"shop-prod\", status=~\"5..\"}[195s])) / sum(rate(http_server_requests_seconds_count{job=\"shop-prod\"}[195s]))",
            "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"shop-prod\"}[195s])))",
            "sum(rate(process_cpu_seconds_total{job=\"shop-prod\"}[195s]))",
            "sum(process_resident_memory_bytes{job=\"shop-prod\"})",
            "sum(http_requests_in_progress{job=\"shop-prod\"})",
        ], _remote.Expressions);
        Assert.Equal(2.0, result.Signals.RequestRate[^1]);
        Assert.Equal(121, result.Signals.TimestampsMs.Length); // 6 h at 3 min steps (about 120 points per chart)
    }

    [Fact]
    public async Task Beyond_the_retention_without_Prometheus_the_page_is_told_why_it_sees_less()
    {
        var result = await Create(null).LoadAsync("shop", Now.AddHours(-6), Now);

        Assert.Equal(QuerySource.Console, result.Source);
        Assert.Contains("Metrics:Prometheus:Url", result.Notice, StringComparison.Ordinal);
    }

    [Fact]
    public void The_charts_PromQL_names_the_job_as_whoever_evaluates_it_does_and_the_console_engine_computes_the_charts_values()
    {
        var local = Create(null);
        var withPrometheus = Create(_remote);
        for (var i = 1; i <= 8; i++)
        {
            _store.Ingest("shop", new Dictionary<string, string> { ["job"] = "shop", ["instance"] = "127.0.0.1:5081" },
                Encoding.UTF8.GetBytes($"http_server_requests_seconds_count{{status=\"200\"}} {1 + (30 * i)}\n"), ExpositionFormat.PrometheusText, Now.AddSeconds(15 * i).ToUnixTimeMilliseconds());
        }

        var console = local.PromQl("shop", TimeSpan.FromMinutes(15));
        var remote = withPrometheus.PromQl("shop", TimeSpan.FromMinutes(15));

        Assert.Equal("sum(rate(http_server_requests_seconds_count{job=\"shop\"}[60s]))", console[0].PromQl);
        Assert.Equal("sum(rate(http_server_requests_seconds_count{job=\"shop-prod\"}[60s]))", remote[0].PromQl);
        Assert.Equal(["request_rate", "error_ratio", "latency_p95", "cpu_cores", "memory_bytes", "in_flight", "client_error_ratio", "throttled_rate"], console.Select(s => s.Signal));
        var evaluated = new MetricQueryService(_store, _time).LocalExpression(
            RangeQuery.OfExpression(console[0].PromQl, Now.AddMinutes(2), Now.AddMinutes(2), TimeSpan.FromSeconds(15)), TimeSpan.FromMinutes(1), 1);
        Assert.Equal(2.0, Assert.Single(evaluated.Series).Values.Single(), 9);
    }

    /// <summary>Prometheus is outside the console: at the unit level a recorder stands in (the integration tests use a real one).</summary>
    private sealed class RecordingRemote : IRemoteMetricBackend
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<RangeQuery> _queries = new();

        public IReadOnlyList<RangeQuery> Queries => [.. _queries];

        /// <summary>The expressions in the order the signals are listed (the queries run concurrently).</summary>
        public IReadOnlyList<string> Expressions =>
            [.. new[] { "request_rate", "error_ratio", "latency_p95", "cpu_cores", "memory_bytes", "in_flight" }.Select(n => _queries.Single(q => q.Selector.MetricName == n).Expression!)];

        public string Description => "Prometheus at http://prometheus:9090";

        public string JobOf(string target) => target == "shop" ? "shop-prod" : target;

        public Task<QueryResult> QueryRangeAsync(RangeQuery query, TimeSpan rateWindow, int maxSeries, CancellationToken cancellationToken)
        {
            _queries.Enqueue(query);
            var timestamps = query.StepTimestampsMs();
            var values = timestamps.Select(_ => 2.0).ToArray();
            return Task.FromResult(new QueryResult(timestamps, [new ResultSeries(query.Selector.MetricName, [], values)], QuerySource.Prometheus, 1, null));
        }

        public Task<IReadOnlyList<string>> MetricNamesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);
    }
}
