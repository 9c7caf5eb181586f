using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Keys.Secrets;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Keys;

public static class KeysHosting
{
    public const string RuleFileName = "keys.rules.yml";

    /// <summary>
    /// Signing key rings (<c>Keys</c>, validated at start): the store of key versions, the JWKS cache that creates each
    /// ring's first key at start and keeps the published JWKS in memory, rotations and revocations as operations, and the
    /// scheduler of due rotations. The host registers an <see cref="Hosting.ILocalAddress"/> (the self-check fetches the
    /// JWKS over HTTP). Call after AddConsoleData, the live events and the operations.
    /// </summary>
    public static IHostApplicationBuilder AddConsoleKeys(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<KeysOptions>().BindConfiguration(KeysOptions.Section).ValidateOnStart();
        if (builder.Configuration.GetSection($"{KeysOptions.Section}:{nameof(KeysOptions.Rings)}").GetChildren().Any()
            && builder.Configuration.GetValue($"{KeysOptions.Section}:DefaultRules", true))
        {
            builder.Configuration.AddInMemoryCollection(RuleFileEntries.Append(builder.Configuration, RuleFileEntries.Default(builder.Environment.ContentRootPath, RuleFileName)));
        }

        services.AddSingleton<IValidateOptions<KeysOptions>, KeysOptionsValidator>();
        services.AddSingleton<ConfiguredKeyRings>();
        services.AddScoped<KeyRingStore>();
        services.AddSingleton<JwksCache>();
        services.AddHostedService(sp => sp.GetRequiredService<JwksCache>());
        services.AddScoped<KeysService>();
        services.AddSingleton<KeySigner>();
        services.AddHttpClient(JwksSelfCheck.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        services.AddScoped<JwksSelfCheck>();
        services.AddOperationKind<RotateKeyOperation>();
        services.AddOperationKind<RevokeKeyOperation>();
        services.AddScoped<ConsoleKeysService>();
        services.AddOperationKind<AuditKeyRotation>();
        services.AddAttentionSource<KeyWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyWatch>());
        services.AddSingleton<KeyRotationScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyRotationScheduler>());
        builder.AddConsoleSecrets();
        return builder;
    }
}
