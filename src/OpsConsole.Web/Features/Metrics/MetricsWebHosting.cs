using Microsoft.Extensions.Options;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Metrics;

/// <summary>Services, Explore and Targets: the metrics Core scrapes and stores, and the console scraping its own /metrics.</summary>
public static class MetricsWebHosting
{
    public static WebApplicationBuilder AddMetricsWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddMetricsWeb));
        builder.Require<IConfigureOptions<DemoOptions>>(nameof(DemoHostingExtensions.AddDemoPlatform), nameof(AddMetricsWeb),
            "demo mode adds the sampleshop scrape target to the configuration the metrics options are read from");
        builder.AddConsoleMetrics();
        builder.Services.AddHostedService<SelfScrapeRegistration>();
        return builder;
    }
}
