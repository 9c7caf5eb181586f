using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Migrations;

public static class MigrationsHosting
{
    /// <summary>
    /// Schema migrations of managed databases (<c>ManagedDatabases:&lt;name&gt;:Migrations</c>, validated at start): the
    /// catalog, the service, and the rehearsal, apply and undo operation kinds. Call after AddConsoleBackups.
    /// </summary>
    public static IHostApplicationBuilder AddConsoleMigrations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<Dictionary<string, ManagedDatabaseMigrations>>().BindConfiguration(ManagedDatabaseOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Dictionary<string, ManagedDatabaseMigrations>>, MigrationSettingsValidator>();
        services.AddSingleton<MigrationCatalog>();
        services.AddScoped<MigrationService>();
        services.AddScoped<MigrationSteps>();
        services.AddOperationKind<RehearseMigrationsOperation>();
        services.AddOperationKind<ApplyMigrationsOperation>();
        services.AddOperationKind<UndoMigrationOperation>();
        services.AddAttentionSource<MigrationWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<MigrationWatch>());
        return builder;
    }
}
