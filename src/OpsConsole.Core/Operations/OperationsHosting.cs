using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Operations;

public static class OperationsHosting
{
    /// <summary>
    /// The operation layer: options (<c>Operations</c>, validated at start), the service pages and the API call, and the
    /// runner that claims, runs and sweeps. Capabilities add their kinds with <see cref="OperationKindRegistration.AddOperationKind{TKind}"/>.
    /// </summary>
    public static IHostApplicationBuilder AddConsoleOperations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(OperationRunner)))
        {
            return builder;
        }

        services.AddOptions<OperationOptions>().BindConfiguration(OperationOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OperationOptions>, OperationOptionsValidator>();
        services.AddLiveEvents();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OperationSignal>();
        services.AddScoped<OperationService>();
        services.AddScoped<IOperationService>(sp => sp.GetRequiredService<OperationService>());
        services.AddSingleton<OperationFeed>();
        services.AddAttentionSource<OperationAttention>();
        services.AddHostedService(sp => sp.GetRequiredService<OperationAttention>());
        services.AddSingleton<OperationRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<OperationRunner>());
        return builder;
    }
}
