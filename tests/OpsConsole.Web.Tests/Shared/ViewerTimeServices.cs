using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Tests.Shared;

public static class ViewerTimeServices
{
    /// <summary>The viewer's time zone as the circuit would have it (UTC unless a test says otherwise).</summary>
    public static IServiceCollection AddViewerTime(this IServiceCollection services, string? zone = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped(sp =>
        {
            var viewer = new ViewerTime(sp.GetRequiredService<TimeProvider>());
            viewer.TrySet(zone);
            return viewer;
        });
        return services;
    }
}
