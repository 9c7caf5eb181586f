using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace OpsConsole.Core.Keys;

public static class KeysHosting
{
    /// <summary>
    /// Signing key rings (<c>Keys</c>, validated at start): the store of key versions, and the JWKS cache that creates each
    /// ring's first key at start and keeps the published JWKS in memory. Call after AddConsoleData and the live events.
    /// </summary>
    public static IHostApplicationBuilder AddConsoleKeys(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<KeysOptions>().BindConfiguration(KeysOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KeysOptions>, KeysOptionsValidator>();
        services.AddSingleton<ConfiguredKeyRings>();
        services.AddScoped<KeyRingStore>();
        services.AddSingleton<JwksCache>();
        services.AddHostedService(sp => sp.GetRequiredService<JwksCache>());
        return builder;
    }
}
