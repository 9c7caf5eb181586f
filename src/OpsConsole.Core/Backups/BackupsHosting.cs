using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups;

public static class BackupsHosting
{
    public const string RuleFileName = "backups.rules.yml";

    /// <summary>
    /// Managed databases and their backups: <c>ManagedDatabases</c> and <c>Backups</c> (validated at start, every bad
    /// entry named), the backup, verify and drill operation kinds, the scheduler, the probes, /metrics and the board's
    /// section; with at least one managed database, rules/backups.rules.yml joins <c>Alerts:RuleFiles</c> (unless
    /// <c>Backups:DefaultRules</c> is false). Call after anything that adds managed databases to configuration (the demo).
    /// </summary>
    public static IHostApplicationBuilder AddConsoleBackups(this IHostApplicationBuilder builder, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        builder.AddConsoleOperations();
        var services = builder.Services;
        services.AddOptions<Dictionary<string, ManagedDatabaseOptions>>().BindConfiguration(ManagedDatabaseOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Dictionary<string, ManagedDatabaseOptions>>, ManagedDatabasesValidator>();
        services.AddOptions<BackupOptions>().BindConfiguration(BackupOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>();

        if (builder.Configuration.GetSection(ManagedDatabaseOptions.Section).GetChildren().Any()
            && builder.Configuration.GetValue($"{BackupOptions.Section}:DefaultRules", true))
        {
            builder.Configuration.AddInMemoryCollection(RuleFileEntries.Append(builder.Configuration, RuleFileEntries.Default(builder.Environment.ContentRootPath, RuleFileName)));
        }

        services.AddSingleton<ManagedDatabaseCatalog>();
        services.AddSingleton(sp => new BackupStorage(sp.GetRequiredService<IOptions<BackupOptions>>(), dataDirectory));
        services.AddSingleton<DatabaseProbeCache>();
        services.AddHostedService(sp => sp.GetRequiredService<DatabaseProbeCache>());
        services.AddAttentionSource<BackupAttention>();
        services.AddSingleton<BackupMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<BackupMetrics>());
        services.AddSingleton<BackupScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<BackupScheduler>());
        services.AddScoped<BackupService>();
        services.AddSingleton<BackupFeed>();
        services.AddScoped<BackupRetention>();
        services.AddScoped<BackupTaker>();
        services.AddOperationKind<BackupOperation>();
        services.AddOperationKind<VerifyBackupOperation>();
        services.AddOperationKind<RestoreDrillOperation>();
        services.AddOperationKind<DeleteBackupOperation>();
        return builder;
    }
}
