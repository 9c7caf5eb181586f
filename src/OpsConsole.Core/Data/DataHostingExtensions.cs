using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OpsConsole.Core.Data;

public static class DataHostingExtensions
{
    /// <summary>The console's DbContext, migrations at startup and the readiness check.</summary>
    public static IHostApplicationBuilder AddConsoleData(this IHostApplicationBuilder builder, ConsoleConnectionStrings connections)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connections);
        builder.Services.AddSingleton(connections);
        builder.Services.AddDbContext<ConsoleDbContext>(options => ConsoleDatabase.Configure(options, connections.Runtime));
        builder.Services.AddSingleton<DatabaseState>();
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSingleton<DatabaseStartupService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseStartupService>());
        builder.Services.AddHealthChecks().AddCheck<DatabaseReadyHealthCheck>("database", tags: ["ready"]);
        return builder;
    }
}
