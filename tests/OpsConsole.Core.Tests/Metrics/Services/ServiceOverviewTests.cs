using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.Services;

public sealed class ServiceOverviewTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly LiveEventBus _bus = new();
    private readonly MetricStore _store = new(new MetricStoreOptions { ScrapeInterval = TimeSpan.FromSeconds(15) });
    private readonly ServiceOverview _overview;
    private readonly ScrapeTarget _shop = new() { Name = "shop", Url = "http://127.0.0.1:5081/metrics" };

    public ServiceOverviewTests()
    {
        var options = Options.Create(new MetricsOptions { Targets = [_shop] });
        var scraper = new ScrapeService(options, _store, null!, _bus, _time, NullLogger<ScrapeService>.Instance);
        _overview = new ServiceOverview(_store, scraper, _bus, Options.Create(new ServiceSignalsOptions()), _time);
    }

    private ServiceSnapshot Scrape(int i, int errorsPer15s, bool up = true)
    {
        var at = Start.AddSeconds(15 * i);
        _time.SetUtcNow(at);
        if (up)
        {
            var text = string.Create(CultureInfo.InvariantCulture, $"http_requests_received_total{{code=\"200\"}} {(100 - errorsPer15s) * i}\nhttp_requests_received_total{{code=\"500\"}} {errorsPer15s * i}\n");
            _store.Ingest("shop", _shop.StoreLabels(), Encoding.UTF8.GetBytes(text), ExpositionFormat.PrometheusText, at.ToUnixTimeMilliseconds());
        }
        else
        {
            _store.MarkTargetStale("shop", at.ToUnixTimeMilliseconds());
        }

        return _overview.Recompute(new TargetHealth("shop", _shop.Url, up, at, TimeSpan.FromMilliseconds(5), 2, 2, up ? null : "connection refused", i + 1, up ? 0 : 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(7)]
    public void The_numbers_are_measured_but_never_judged_here(int errors)
    {
        ServiceSnapshot snapshot = null!;
        for (var i = 0; i <= 5; i++)
        {
            snapshot = Scrape(i, errors);
        }

        // Fresh data is "healthy" data whatever the error ratio: only the alert rules judge (Core/Board/ServiceHealth).
        Assert.Equal(ServiceState.Healthy, snapshot.DataStateAt(_time.GetUtcNow()));
        Assert.Null(snapshot.DataReasonAt(_time.GetUtcNow()));
        Assert.Equal(errors / 100.0, snapshot.ErrorRatio, 6);
        Assert.Equal(30, snapshot.History.RequestRate.Length);
        Assert.Equal(100.0 / 15, snapshot.RequestRate, 6);
    }

    [Fact]
    public void Client_errors_and_rate_limited_requests_are_measured_beside_server_errors()
    {
        ServiceSnapshot snapshot = null!;
        for (var i = 0; i <= 5; i++)
        {
            var at = Start.AddSeconds(15 * i);
            _time.SetUtcNow(at);
            var text = string.Create(CultureInfo.InvariantCulture,
                $"http_requests_received_total{{code=\"200\"}} {70 * i}\nhttp_requests_received_total{{code=\"404\"}} {10 * i}\nhttp_requests_received_total{{code=\"429\"}} {15 * i}\nhttp_requests_received_total{{code=\"503\"}} {5 * i}\n");
            _store.Ingest("shop", _shop.StoreLabels(), Encoding.UTF8.GetBytes(text), ExpositionFormat.PrometheusText, at.ToUnixTimeMilliseconds());
            snapshot = _overview.Recompute(new TargetHealth("shop", _shop.Url, true, at, TimeSpan.FromMilliseconds(5), 4, 4, null, i + 1, 0));
        }

        Assert.Equal(0.05, snapshot.ErrorRatio, 6);
        Assert.Equal(0.25, snapshot.History.ClientErrorRatio[^1], 6);
        Assert.Equal(1.0, snapshot.History.ThrottledRate[^1], 6); // 15 per 15 s scrape
    }

    [Fact]
    public void A_failed_scrape_turns_the_service_stale_and_keeps_the_last_good_time()
    {
        for (var i = 0; i <= 3; i++)
        {
            Scrape(i, 0);
        }

        var down = Scrape(4, 0, up: false);

        Assert.Equal(ServiceState.Stale, down.DataStateAt(_time.GetUtcNow()));
        Assert.Equal(Start.AddSeconds(45), down.LastData);
        Assert.Equal("connection refused", down.DataReasonAt(_time.GetUtcNow()));
    }

    [Fact]
    public void A_service_goes_stale_by_time_alone_when_no_scrape_arrives()
    {
        for (var i = 0; i <= 3; i++)
        {
            Scrape(i, 0);
        }

        var snapshot = _overview.Find("shop")!;
        Assert.Equal(ServiceState.Healthy, snapshot.DataStateAt(_time.GetUtcNow().AddSeconds(30)));
        Assert.Equal(ServiceState.Stale, snapshot.DataStateAt(_time.GetUtcNow().AddSeconds(31)));
        Assert.Equal("no scrape for 31 s", snapshot.DataReasonAt(_time.GetUtcNow().AddSeconds(31)));
    }

    [Fact]
    public async Task Configured_targets_are_listed_before_their_first_scrape_and_subscribers_hear_recomputes()
    {
        Assert.Equal(ServiceState.NoData, Assert.Single(_overview.Services).DataStateAt(Start));

        var heard = new TaskCompletionSource();
        using var subscription = _overview.OnServicesChanged(() =>
        {
            heard.TrySetResult();
            return Task.CompletedTask;
        });
        Scrape(0, 0);

        await heard.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, _bus.Statistics.Topics[ServiceTopics.Updated.Name].Subscribers);
        subscription.Dispose();
        Assert.Equal(0, _bus.Statistics.Topics[ServiceTopics.Updated.Name].Subscribers);
    }

    public void Dispose() => _overview.Dispose();
}
