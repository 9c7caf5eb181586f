using OpsConsole.Core.Restores;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Backups;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Restores;

/// <summary>
/// Restores: the capability, its pages (the plan page /databases/{name}/restore, the history on a database's page, the banner
/// on every page and the wall's strip) and /api/v1/databases/{name}/restores, /restores.
/// </summary>
public static class RestoresWebHosting
{
    public static WebApplicationBuilder AddRestoresWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddRestoresWeb));
        builder.Require<Core.Backups.ManagedDatabaseCatalog>(nameof(BackupsWebHosting.AddBackupsWeb), nameof(AddRestoresWeb),
            "restores restore the managed databases' backups");
        builder.AddConsoleRestores();
        builder.Services.AddSingleton<IRestoreCommands, RestoreCommands>(); // the pages' scope-per-call way into RestoreService
        builder.Services.AddSingleton<RestoreFeed>();
        // The banner on every page and the wall's strip read this one list; it reads after each operation change.
        builder.Services.AddSingleton<ActiveRestores>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ActiveRestores>());
        return builder;
    }

    public static IEndpointRouteBuilder MapRestores(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapConsoleApiGroup().MapRestoreApi();
        return endpoints;
    }
}
