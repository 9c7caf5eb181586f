using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.RemotePrometheus;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Metrics.Scraping;

public static class MetricsHostingExtensions
{
    /// <summary>Scrape targets from <c>Metrics</c>, the in-memory store, the scrape loops, and the optional Prometheus backend.</summary>
    public static IHostApplicationBuilder AddConsoleMetrics(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var metrics = sp.GetRequiredService<IOptions<MetricsOptions>>().Value;
            return new MetricStore(new MetricStoreOptions
            {
                Retention = metrics.Retention,
                ScrapeInterval = metrics.ScrapeInterval,
                MaxSeries = metrics.MaxSeries,
                MaxSeriesPerTarget = metrics.MaxSeriesPerTarget,
                MaxBytes = metrics.MaxBytes,
            });
        });
        builder.AddPrometheusBackend();
        builder.Services.AddSingleton(sp => new MetricQueryService(
            sp.GetRequiredService<MetricStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<IRemoteMetricBackend>()));
        builder.Services.AddHttpClient(ScrapeService.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = System.Net.DecompressionMethods.GZip,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
            });
        builder.Services.AddSingleton<ScrapeService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScrapeService>());
        builder.Services.AddOptions<ServiceSignalsOptions>().BindConfiguration(ServiceSignalsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ServiceOverview>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ServiceOverview>());
        builder.Services.AddSingleton(sp => new ServiceHistory(
            sp.GetRequiredService<ServiceOverview>(), sp.GetRequiredService<MetricQueryService>(), sp.GetRequiredService<MetricStore>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<IRemoteMetricBackend>()));
        return builder;
    }
}
