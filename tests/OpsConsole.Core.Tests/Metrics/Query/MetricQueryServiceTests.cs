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
}
