using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Restores;

public static class RestoresHosting
{
    /// <summary>
    /// Restores of managed databases (<c>Restores</c>, validated at start): the planner, the service, the restore, swap
    /// back and clean-up operation kinds, and the janitor that drops set-aside databases after their keep time. Call after
    /// AddConsoleBackups.
    /// </summary>
    public static IHostApplicationBuilder AddConsoleRestores(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RestoreOptions>().BindConfiguration(RestoreOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RestoreOptions>, RestoreOptionsValidator>();
        services.AddScoped<RestorePlanner>();
        services.AddScoped<RestoreService>();
        services.AddOperationKind<RestoreOperation>();
        services.AddOperationKind<SwapBackOperation>();
        services.AddOperationKind<RestoreCleanupOperation>();
        services.AddSingleton<RestoreJanitor>();
        services.AddHostedService(sp => sp.GetRequiredService<RestoreJanitor>());
        return builder;
    }
}
