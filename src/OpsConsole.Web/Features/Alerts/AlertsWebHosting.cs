using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Metrics.Store;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Alerts.Runbooks;
using OpsConsole.Web.Features.Metrics;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Alerts;

/// <summary>Alerts, Silences, Rules and Runbooks: the rule engine, the alert store, the pages' helpers and /api/v1/alerts, /silences.</summary>
public static class AlertsWebHosting
{
    public static WebApplicationBuilder AddAlertsWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddAlertsWeb));
        builder.Require<IConfigureOptions<DemoOptions>>(nameof(DemoHostingExtensions.AddDemoPlatform), nameof(AddAlertsWeb),
            "demo mode adds the SampleShop rule file to the configuration the alert rule options are read from");
        builder.Require<MetricStore>(nameof(MetricsWebHosting.AddMetricsWeb), nameof(AddAlertsWeb),
            "the console's rule engine evaluates over its metric store");
        builder.AddAlertRules();
        builder.AddConsoleAlertStore();
        builder.Services.AddSingleton<AlertCommands>();
        builder.Services.AddSingleton<AlertValueHistory>();
        builder.Services.AddSingleton<AlertExpressionHistory>();
        builder.Services.AddOptions<RunbookOptions>().BindConfiguration(RunbookOptions.Section);
        builder.Services.AddSingleton<RunbookLinks>();
        builder.Services.AddSingleton<RunbookLibrary>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertValueHistory>());
        return builder;
    }

    public static IEndpointRouteBuilder MapAlerts(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapConsoleApiGroup();
        api.MapAlertApi();
        api.MapSilenceApi();
        endpoints.MapAlertmanagerWebhook(); // bearer tokens only, so outside the group's cookie antiforgery filter
        return endpoints;
    }
}
