using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.RemotePrometheus;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Metrics;

/// <summary>
/// The console's query service, as the host wires it, against a real Prometheus process scraping a real target under
/// a job name that differs from the console's target name (Metrics:Prometheus:JobLabels).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class PrometheusBackendTests(PostgresFixture postgres, PrometheusFixture prometheus)
    : ConsoleTest(postgres), IClassFixture<PrometheusFixture>
{
    /// <summary>What the console would call the service; Prometheus calls the same job <see cref="PrometheusFixture.Job"/>.</summary>
    private const string Target = "prometheus";

    private MetricQueryService Queries => Console.Services.GetRequiredService<MetricQueryService>();

    protected override Task<TestConsole> StartConsoleAsync() => TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?>
    {
        ["Metrics:Prometheus:Url"] = prometheus.Url.ToString(),
        ["Metrics:Prometheus:Timeout"] = "00:00:03",
        [$"Metrics:Prometheus:JobLabels:{Target}"] = PrometheusFixture.Job,
        ["Metrics:Retention"] = "00:06:00", // so ten minutes back is beyond the console's own memory
    });

    private static RangeQuery LastMinutes(string selector, double minutes, int stepSeconds, bool rate = false)
    {
        var now = DateTimeOffset.UtcNow;
        return new RangeQuery(SeriesSelector.Parse(selector), rate, now.AddMinutes(-minutes), now, TimeSpan.FromSeconds(stepSeconds));
    }

    [Fact]
    public async Task The_explore_path_reads_the_series_from_Prometheus_under_the_consoles_target_name()
    {
        Assert.True(Queries.HasRemote);
        Assert.Equal($"Prometheus at http://127.0.0.1:{prometheus.Url.Port}", Queries.RemoteDescription);

        var result = await Queries.QueryRangeAsync(LastMinutes($"up{{job=\"{Target}\"}}", 2, 1), QueryRouting.PreferRemote);

        Assert.Equal(QuerySource.Prometheus, result.Source);
        var up = Assert.Single(result.Series);
        Assert.Equal("up", up.Name);
        Assert.Equal([new("instance", prometheus.Url.Authority), new KeyValuePair<string, string>("job", Target)], up.Labels);
        Assert.Equal(121, up.Values.Length);
        Assert.True(double.IsNaN(up.Values[0]), "two minutes ago this Prometheus had not started: a gap, not a value");
        Assert.Equal(1, up.Values[^1]);
        Assert.All(up.Values.Where(v => !double.IsNaN(v)), v => Assert.Equal(1, v));
    }

    [Fact]
    public async Task A_rate_from_Prometheus_has_sane_values_and_series_are_capped()
    {
        var cpu = await Queries.QueryRangeAsync(LastMinutes($"process_cpu_seconds_total{{job=\"{Target}\"}}", 1, 1, rate: true), QueryRouting.PreferRemote);
        var buckets = await Queries.QueryRangeAsync(LastMinutes("prometheus_http_request_duration_seconds_bucket", 1, 5), QueryRouting.PreferRemote, maxSeries: 3);

        var rate = Assert.Single(cpu.Series);
        Assert.Equal("process_cpu_seconds_total", rate.Name);
        Assert.InRange(rate.Values[^1], 0, Environment.ProcessorCount * 1.5); // CPU seconds per second of the Prometheus process
        Assert.Equal(3, buckets.Series.Count);
        Assert.True(buckets.MatchedSeries > 3, $"{buckets.MatchedSeries} bucket series matched");
        Assert.True(buckets.Truncated);
    }

    [Fact]
    public async Task A_range_beyond_the_consoles_retention_goes_to_Prometheus_and_a_recent_one_stays_local()
    {
        var old = await Queries.QueryRangeAsync(LastMinutes($"up{{job=\"{Target}\"}}", 10, 5));
        // 30 s plus Prometheus's 5 min lookback still lies within the 6 min the console keeps.
        var recent = await Queries.QueryRangeAsync(LastMinutes("up", 0.5, 5));

        Assert.Equal(QuerySource.Prometheus, old.Source);
        Assert.Equal(1, Assert.Single(old.Series).Values[^1]);
        Assert.Equal(QuerySource.Console, recent.Source);
    }

    [Fact]
    public async Task A_query_Prometheus_rejects_shows_Prometheus_own_error_text_and_is_counted()
    {
        // RE2 allows at most 1000 repetitions; .NET's regex (the console's own parser) accepts more.
        Assert.True(SeriesSelector.TryParse("up{job=~\"a{1001}\"}", out var selector, out var parseError), parseError);
        var now = DateTimeOffset.UtcNow;

        var error = await Assert.ThrowsAsync<MetricQueryException>(() =>
            Queries.QueryRangeAsync(new RangeQuery(selector!, false, now.AddMinutes(-1), now, TimeSpan.FromSeconds(5)), QueryRouting.PreferRemote));

        Assert.StartsWith("Prometheus rejected the query: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("invalid repeat count", error.Message, StringComparison.Ordinal);
        using var client = Console.CreateClient();
        Assert.Matches(BadQueryCounter(), await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
    }

    [Fact]
    public async Task Explore_sends_an_expression_to_Prometheus_as_written_and_a_mistyped_one_is_the_querys_fault()
    {
        var now = DateTimeOffset.UtcNow;
        Task<QueryResult> Explore(string text) =>
            Queries.QueryRangeAsync(ExploreQuery.Build(text, false, now.AddMinutes(-1), now, TimeSpan.FromSeconds(5)), QueryRouting.PreferRemote);

        // Prometheus's own job name in the expression; the result's job label comes back under the console's name.
        var result = await Explore($"count by (job) (up{{job=\"{PrometheusFixture.Job}\"}})");
        var mistyped = await Assert.ThrowsAsync<MetricQueryException>(() => Explore("sum(rate(up[1m])"));

        Assert.Equal(QuerySource.Prometheus, result.Source);
        var series = Assert.Single(result.Series);
        Assert.Equal("", series.Name);
        Assert.Equal([new KeyValuePair<string, string>("job", Target)], series.Labels);
        Assert.Equal(1, series.Values[^1]);
        Assert.True(mistyped.IsInvalidQuery);
        Assert.StartsWith("Prometheus rejected the query: ", mistyped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_page_range_beyond_retention_is_computed_by_Prometheus_from_the_same_signals()
    {
        var histories = Console.Services.GetRequiredService<OpsConsole.Core.Metrics.Services.ServiceHistory>();

        // Chart steps are 15 s or more, on a grid: wait until the newest grid point lies after Prometheus's first scrapes.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        OpsConsole.Core.Metrics.Services.ServiceHistoryResult result;
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            result = await histories.LoadAsync(Target, now.AddMinutes(-10), now);
            if (!double.IsNaN(result.Signals.CpuCores[^1]))
            {
                break;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no CPU value from Prometheus within 60 s");
            await Task.Delay(500);
        }

        Assert.Equal(QuerySource.Prometheus, result.Source); // ten minutes is beyond the six the console keeps here
        Assert.Equal(41, result.Signals.TimestampsMs.Length); // 10 min at the 15 s scrape interval
        Assert.InRange(result.Signals.CpuCores[^1], 0, Environment.ProcessorCount * 1.5); // sum(rate(process_cpu_seconds_total{job=…}))
        Assert.True(result.Signals.MemoryBytes[^1] > 1_000_000, $"resident memory {result.Signals.MemoryBytes[^1]}");
        Assert.True(double.IsNaN(result.Signals.CpuCores[0]), "ten minutes ago this Prometheus did not exist: a gap");
        Assert.False(result.Signals.HasRequests, "Prometheus's own requests use other names than the HTTP conventions the console reads");
    }

    [Fact]
    public async Task Metric_names_come_from_Prometheus()
    {
        var backend = Console.Services.GetRequiredService<IRemoteMetricBackend>();

        var names = await backend.MetricNamesAsync(CancellationToken.None);

        Assert.IsType<PrometheusBackend>(backend);
        Assert.Contains("up", names);
        Assert.Contains("scrape_duration_seconds", names);
        Assert.Contains("prometheus_http_requests_total", names);
    }

    [GeneratedRegex("opsconsole_prometheus_queries_total\\{outcome=\"bad_query\"\\} [1-9]")]
    private static partial Regex BadQueryCounter();
}

/// <summary>Prometheus going away under a running console: its own process, stopped mid-test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PrometheusStoppedTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private PrometheusServer _prometheus = default!;

    protected override async Task<TestConsole> StartConsoleAsync()
    {
        var port = ExternalServerProcess.FreePort();
        var console = await TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?>
        {
            ["Metrics:Prometheus:Url"] = $"http://127.0.0.1:{port}",
        });
        _prometheus = await PrometheusServer.StartAsync(port, new Dictionary<string, Uri>());
        return console;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _prometheus.DisposeAsync();
    }

    [Fact]
    public async Task A_stopped_Prometheus_is_named_by_its_url_and_the_reason()
    {
        var queries = Console.Services.GetRequiredService<MetricQueryService>();
        var now = DateTimeOffset.UtcNow;
        var query = new RangeQuery(SeriesSelector.Parse("up"), false, now.AddHours(-1), now, TimeSpan.FromMinutes(1));
        Assert.Equal(QuerySource.Prometheus, (await queries.QueryRangeAsync(query, QueryRouting.PreferRemote)).Source);

        await _prometheus.StopAsync();
        var error = await Assert.ThrowsAsync<MetricQueryException>(() => queries.QueryRangeAsync(query, QueryRouting.PreferRemote));

        Assert.Equal($"Prometheus at {_prometheus.BaseAddress.ToString().TrimEnd('/')} cannot be reached: connection refused.", error.Message);
    }
}
