namespace OpsConsole.Web.Features.Keys.Secrets;

/// <summary>The secrets inventory's web slice: the section on /keys and /api/v1/keys/secrets (the capability is added by AddConsoleKeys).</summary>
public static class SecretsWebHosting
{
    public static IServiceCollection AddSecretsWeb(this IServiceCollection services)
    {
        services.AddSingleton<ISecretCommands, SecretCommands>();
        services.AddSingleton<SecretFeed>();
        return services;
    }
}
