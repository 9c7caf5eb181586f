using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Attention;

namespace OpsConsole.Core.Keys.Secrets;

public static class SecretsHosting
{
    /// <summary>
    /// The secrets inventory (<c>Keys:Secrets</c>, validated at start): the service, and the watch that exports due dates
    /// and fills the board. Called by AddConsoleKeys; it adds keys.rules.yml itself when secrets are declared but no ring is
    /// (the rings' call adds it otherwise), unless <c>Keys:DefaultRules</c> is false.
    /// </summary>
    public static IHostApplicationBuilder AddConsoleSecrets(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section).ValidateOnStart();
        var keys = builder.Configuration.GetSection(SecretsOptions.Section);
        if (keys.GetSection(nameof(SecretsOptions.Secrets)).GetChildren().Any()
            && !keys.GetSection("Rings").GetChildren().Any()
            && builder.Configuration.GetValue($"{SecretsOptions.Section}:DefaultRules", true))
        {
            builder.Configuration.AddInMemoryCollection(RuleFileEntries.Append(builder.Configuration, RuleFileEntries.Default(builder.Environment.ContentRootPath, KeysHosting.RuleFileName)));
        }

        services.AddSingleton<IValidateOptions<SecretsOptions>, SecretsOptionsValidator>();
        services.AddSingleton<ConfiguredSecrets>();
        services.AddScoped<SecretsService>();
        services.AddAttentionSource<SecretWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<SecretWatch>());
        return builder;
    }
}
