using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace OpsConsole.Core.Board;

public static class BoardHosting
{
    /// <summary>The status board's store (singleton, over the alert, service and target stores) and its audit reader.</summary>
    public static IHostApplicationBuilder AddStatusBoard(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<StatusBoard>();
        builder.Services.TryAddScoped<RecentChanges>();
        return builder;
    }
}
