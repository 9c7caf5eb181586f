using OpsConsole.Core.Restores;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Backups;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Restores;

/// <summary>Restores: the capability, its pages (plan and history on a database's page) and /api/v1/databases/{name}/restores, /restores.</summary>
public static class RestoresWebHosting
{
    public static WebApplicationBuilder AddRestoresWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddRestoresWeb));
        builder.Require<Core.Backups.ManagedDatabaseCatalog>(nameof(BackupsWebHosting.AddBackupsWeb), nameof(AddRestoresWeb),
            "restores restore the managed databases' backups");
        builder.AddConsoleRestores();
        return builder;
    }

    public static IEndpointRouteBuilder MapRestores(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapConsoleApiGroup().MapRestoreApi();
        return endpoints;
    }
}
