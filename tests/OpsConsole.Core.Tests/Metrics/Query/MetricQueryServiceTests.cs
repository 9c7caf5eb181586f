using System.Text;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.Query;

public sealed class MetricQueryServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Shop = new() { ["job"] = "shop", ["instance"] = "127.0.0.1:5081" };

    private static (MetricQueryService Service, MetricStore Store, FakeTimeProvider Time) Create(TimeSpan? retention = null)
    {
        var store = new MetricStore(new MetricStoreOptions { ScrapeInterval = TimeSpan.FromSeconds(15), Retention = retention ?? TimeSpan.FromHours(1) });
        var time = new FakeTimeProvider(Start);
        return (new MetricQueryService(store, time), store, time);
    }

    private static void Scrape(MetricStore store, DateTimeOffset at, string text) =>
        store.Ingest("shop", Shop, Encoding.UTF8.GetBytes(text), ExpositionFormat.PrometheusText, at.ToUnixTimeMilliseconds());

    [Fact]
    public void Instant_values_hold_for_the_lookback_and_end_at_a_stale_marker()
    {
        var (service, store, _) = Create();
        Scrape(store, Start, "# TYPE temp gauge\ntemp{room=\"a\"} 20\n");
        Scrape(store, Start.AddSeconds(15), "temp{room=\"a\"} 21\n");
        store.MarkTargetStale("shop", Start.AddSeconds(30).ToUnixTimeMilliseconds());

        var result = service.Local(new RangeQuery(SeriesSelector.Parse("temp{room=\"a\"}"), false, Start, Start.AddSeconds(45), TimeSpan.FromSeconds(15)), TimeSpan.FromMinutes(1), 10);

        var series = Assert.Single(result.Series);
        Assert.Equal([20d, 21d], series.Values[..2]);
        Assert.True(double.IsNaN(series.Values[2]) && double.IsNaN(series.Values[3]), "stale after the marker");
        Assert.Equal(Start.AddSeconds(15).ToUnixTimeMilliseconds(), result.LastDataMs);
        Assert.Equal(QuerySource.Console, result.Source);
    }

    [Fact]
    public void Rate_queries_give_per_second_rates_per_series_and_cap_the_series_count()
    {
        var (service, store, _) = Create();
        for (var i = 0; i <= 8; i++)
        {
            Scrape(store, Start.AddSeconds(15 * i), $"# TYPE req counter\nreq{{code=\"200\"}} {30 * i}\nreq{{code=\"500\"}} {3 * i}\nreq{{code=\"404\"}} {i}\n");
        }

        var query = new RangeQuery(SeriesSelector.Parse("req{code=~\"[25]00\"}"), true, Start.AddMinutes(1), Start.AddMinutes(2), TimeSpan.FromSeconds(30));
        var result = service.Local(query, TimeSpan.FromMinutes(1), maxSeries: 1);

        Assert.Equal(2, result.MatchedSeries);
        Assert.True(result.Truncated);
        var first = Assert.Single(result.Series);
        Assert.All(first.Values, v => Assert.Equal(first.Labels.Single(l => l.Key == "code").Value == "200" ? 2.0 : 0.2, v, 6));
    }

    [Fact]
    public async Task A_range_older_than_retention_without_Prometheus_says_so()
    {
        var (service, _, _) = Create(TimeSpan.FromMinutes(30));

        var result = await service.QueryRangeAsync(new RangeQuery(SeriesSelector.Parse("up"), false, Start.AddHours(-6), Start, TimeSpan.FromMinutes(1)));

        Assert.Contains("Metrics:Prometheus:Url", result.Notice, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MetricQueryException>(() => service.QueryRangeAsync(new RangeQuery(SeriesSelector.Parse("up"), false, Start.AddDays(-30), Start, TimeSpan.FromSeconds(1))));
    }

    /// <summary>Two counters scraped every 15 s for two minutes: code 200 at 2/s for the first minute and 4/s after, code 500 at 0.2/s.</summary>
    private static void ScrapeRequests(MetricStore store)
    {
        for (var i = 0; i <= 8; i++)
        {
            var ok = i <= 4 ? 30 * i : 120 + (60 * (i - 4));
            Scrape(store, Start.AddSeconds(15 * i), $"# TYPE req counter\nreq{{code=\"200\"}} {ok}\nreq{{code=\"500\"}} {3 * i}\n");
        }
    }

    private static RangeQuery Expression(string text) =>
        RangeQuery.OfExpression(text, Start.AddMinutes(1), Start.AddMinutes(2), TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Without_Prometheus_an_expression_is_evaluated_by_the_console_at_each_step()
    {
        var (service, store, time) = Create();
        ScrapeRequests(store);
        time.SetUtcNow(Start.AddMinutes(2));

        var result = await service.QueryRangeAsync(Expression("sum by (code) (rate(req[1m]))"), QueryRouting.PreferRemote);

        Assert.Equal(QuerySource.Console, result.Source);
        Assert.Equal([60_000, 90_000, 120_000], result.TimestampsMs.Select(t => t - Start.ToUnixTimeMilliseconds()));
        Assert.Equal(["200", "500"], result.Series.Select(s => s.Labels.Single(l => l.Key == "code").Value));
        Assert.All(result.Series, s => Assert.Equal("", s.Name));
        Assert.Equal([2, 3, 4], result.Series[0].Values, (a, b) => Math.Abs(a - b) < 1e-9);
        Assert.Equal([0.2, 0.2, 0.2], result.Series[1].Values, (a, b) => Math.Abs(a - b) < 1e-9);
        Assert.Null(result.Notice);
    }

    [Fact]
    public async Task An_expression_result_is_capped_like_a_selector_result()
    {
        var (service, store, time) = Create();
        ScrapeRequests(store);
        time.SetUtcNow(Start.AddMinutes(2));

        var result = await service.QueryRangeAsync(Expression("req"), maxSeries: 1);

        Assert.Equal(2, result.MatchedSeries);
        Assert.True(result.Truncated);
        var kept = Assert.Single(result.Series);
        Assert.Equal("req", kept.Name);
        Assert.Equal("200", kept.Labels.Single(l => l.Key == "code").Value);
    }

    [Fact]
    public async Task A_parse_error_and_an_evaluation_error_are_invalid_queries_with_their_position()
    {
        var (service, store, time) = Create();
        ScrapeRequests(store);
        time.SetUtcNow(Start.AddMinutes(2));

        var parse = await Assert.ThrowsAsync<MetricQueryException>(() => service.QueryRangeAsync(Expression("sum(rate(req[1m])")));
        var evaluation = await Assert.ThrowsAsync<MetricQueryException>(() => service.QueryRangeAsync(Expression("req + on(job) req")));

        Assert.True(parse.IsInvalidQuery);
        Assert.Contains("(line 1, column 18)", parse.Message, StringComparison.Ordinal);
        Assert.True(evaluation.IsInvalidQuery);
        Assert.Contains("many-to-many", evaluation.Message, StringComparison.Ordinal);
        Assert.Contains("(line 1, column", evaluation.Message, StringComparison.Ordinal);
    }
}
