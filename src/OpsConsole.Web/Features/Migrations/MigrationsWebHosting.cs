using OpsConsole.Core.Migrations;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Backups;
using OpsConsole.Web.Features.Operations;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Migrations;

/// <summary>
/// Schema migrations: the capability, its page (/databases/{name}/migrations, with the SQL, the rehearsal and the
/// history), the apply's panel on the operation page, and /api/v1/databases/{name}/migrations, /migration-runs.
/// </summary>
public static class MigrationsWebHosting
{
    public static WebApplicationBuilder AddMigrationsWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddMigrationsWeb));
        builder.Require<Core.Backups.ManagedDatabaseCatalog>(nameof(BackupsWebHosting.AddBackupsWeb), nameof(AddMigrationsWeb),
            "migrations run against the managed databases and take a pre-migration backup");
        builder.AddConsoleMigrations();
        builder.Services.AddSingleton<IMigrationCommands, MigrationCommands>();
        builder.Services.AddSingleton<MigrationFeed>();
        builder.Services.AddMigrationSections();
        return builder;
    }

    /// <summary>The operation page's panel for the migration kinds: the SQL, the rehearsal and each file's outcome.</summary>
    public static IServiceCollection AddMigrationSections(this IServiceCollection services) =>
        services.AddOperationDetailSection<MigrationRunPanel>(MigrationKinds.All);

    public static IEndpointRouteBuilder MapMigrations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapConsoleApiGroup().MapMigrationApi();
        return endpoints;
    }
}
