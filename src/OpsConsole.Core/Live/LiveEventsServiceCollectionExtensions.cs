using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Core.Live;

public static class LiveEventsServiceCollectionExtensions
{
    /// <summary>Registers the in-process bus as a singleton, resolvable as <see cref="ILiveEvents"/> and <see cref="LiveEventBus"/>.</summary>
    public static IServiceCollection AddLiveEvents(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(static sp => new LiveEventBus(
            sp.GetService<ILogger<LiveEventBus>>(),
            sp.GetService<TimeProvider>()));
        services.TryAddSingleton<ILiveEvents>(static sp => sp.GetRequiredService<LiveEventBus>());
        return services;
    }

    /// <summary>
    /// Adds cross-instance forwarding of Distributed topics via PostgreSQL LISTEN/NOTIFY (also adds the bus).
    /// <paramref name="connectionString"/> is evaluated once when the hosted service starts.
    /// </summary>
    public static IServiceCollection AddLiveEventsPostgresBridge(this IServiceCollection services, Func<IServiceProvider, string> connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        services.AddLiveEvents();
        services.AddHostedService(sp => new PostgresLiveEventBridge(
            sp.GetRequiredService<LiveEventBus>(),
            () => connectionString(sp),
            sp.GetService<ILogger<PostgresLiveEventBridge>>(),
            sp.GetService<TimeProvider>()));
        return services;
    }
}
