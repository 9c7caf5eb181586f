using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>The console's real scrape pipeline (ScrapeService, HTTP client, MetricStore) without the rest of the console.</summary>
public sealed class ScrapeHarness : IDisposable
{
    private readonly IHost _host;

    public ScrapeHarness()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddLiveEvents();
        builder.AddConsoleMetrics();
        _host = builder.Build(); // not started: scrapes happen when a test asks for one
    }

    public MetricStore Store => _host.Services.GetRequiredService<MetricStore>();

    public Task<TargetHealth> ScrapeAsync(string name, Uri url) =>
        _host.Services.GetRequiredService<ScrapeService>().ScrapeOnceAsync(
            new ScrapeTarget { Name = name, Url = url.ToString(), Labels = { ["env"] = "test" } }, CancellationToken.None);

    /// <summary>The newest value of each series of a metric from one target.</summary>
    public IReadOnlyList<(StoredSeries Series, double Value)> Latest(string target, string metric) =>
        [.. Store.Select(metric, s => s.Target == target, 0, long.MaxValue).Select(d => (d.Series, d.Values[^1]))];

    public void Dispose() => _host.Dispose();
}
