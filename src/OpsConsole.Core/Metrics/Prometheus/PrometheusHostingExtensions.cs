using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Metrics.RemotePrometheus;

public static class PrometheusHostingExtensions
{
    /// <summary>
    /// <c>Metrics:Prometheus</c>, validated at start; the <see cref="PrometheusBackend"/> becomes the query service's
    /// remote only when a Url is set, so a console without one never tries the network for old ranges.
    /// </summary>
    public static IHostApplicationBuilder AddPrometheusBackend(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<PrometheusOptions>().BindConfiguration(PrometheusOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{PrometheusOptions.Section}:Url"]))
        {
            return builder;
        }

        builder.Services.AddHttpClient(PrometheusBackend.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan) // the backend's own deadline
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        builder.Services.TryAddSingleton<PrometheusBackend>();
        builder.Services.TryAddSingleton<IRemoteMetricBackend>(sp => sp.GetRequiredService<PrometheusBackend>());
        return builder;
    }
}
