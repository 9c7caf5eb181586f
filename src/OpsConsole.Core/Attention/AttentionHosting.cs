using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OpsConsole.Core.Attention;

public static class AttentionHosting
{
    /// <summary>Adds a capability's items to the status board (one singleton per source type).</summary>
    public static IServiceCollection AddAttentionSource<TSource>(this IServiceCollection services)
        where TSource : class, IAttentionSource
    {
        services.TryAddSingleton<TSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAttentionSource, TSource>(sp => sp.GetRequiredService<TSource>()));
        return services;
    }
}
