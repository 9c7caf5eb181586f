using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Web.Tests.Features.Wall;

/// <summary>
/// The real services overview over a real (empty) metric store and an unstarted scraper: tests make a service
/// healthy or stale by recomputing it with a target health, as a scrape would.
/// </summary>
internal sealed class WallOverview : IDisposable
{
    public static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(15);

    public WallOverview(LiveEventBus bus, FakeTimeProvider time, params string[] services)
    {
        Time = time;
        var metrics = new MetricsOptions
        {
            ScrapeInterval = ScrapeInterval,
            ScrapeTimeout = TimeSpan.FromSeconds(10),
            Targets = [.. services.Select(name => new ScrapeTarget { Name = name, Url = $"http://{name}.example:9100/metrics" })],
        };
        var store = new MetricStore(new MetricStoreOptions { ScrapeInterval = ScrapeInterval });
        Scraper = new ScrapeService(Options.Create(metrics), store, new NoHttp(), bus, time, NullLogger<ScrapeService>.Instance);
        Overview = new ServiceOverview(store, Scraper, bus, Options.Create(new ServiceSignalsOptions()), time);
    }

    public FakeTimeProvider Time { get; }

    public ScrapeService Scraper { get; }

    public ServiceOverview Overview { get; }

    /// <summary>A successful scrape of <paramref name="service"/> now.</summary>
    public void Scraped(string service) =>
        Overview.Recompute(new TargetHealth(service, $"http://{service}.example:9100/metrics", true, Time.GetUtcNow(), TimeSpan.FromMilliseconds(12), 10, 10, null, 1, 0));

    public void Dispose()
    {
        Overview.Dispose();
        Scraper.Dispose();
    }

    private sealed class NoHttp : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("the wall tests never scrape");
    }
}
