using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts;

public static class AlertStoreHosting
{
    /// <summary>
    /// The alert store: options (<c>Alerts</c>, validated at start), the in-memory view, the <see cref="IAlertSink"/>,
    /// the services pages and the API call, outward notifications, the history purge and the console-alert bridge.
    /// </summary>
    public static IHostApplicationBuilder AddConsoleAlertStore(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<AlertStoreOptions>().BindConfiguration(AlertStoreOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertStoreOptions>, AlertStoreOptionsValidator>();
        services.AddLiveEvents();
        services.AddConsoleAlertBoard();
        services.AddSingleton<NotificationSignal>();
        services.AddSingleton<AlertStore>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertStore>());
        services.AddSingleton<AlertRecorder>();
        services.AddSingleton<IAlertSink>(sp => sp.GetRequiredService<AlertRecorder>());
        services.AddSingleton<AlertmanagerSenders>();
        services.AddScoped<AlertService>();
        services.AddScoped<SilenceService>();
        services.AddScoped<AlertmanagerIngestService>();
        services.AddHttpClient(AlertNotifier.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan); // each attempt has its own deadline
        services.AddSingleton<AlertNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertNotifier>());
        services.AddSingleton<AlertHistoryPurger>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertHistoryPurger>());
        services.AddHostedService<ConsoleAlertBridge>();
        services.AddHostedService<AuditIntegrityAlert>();
        return builder;
    }
}
