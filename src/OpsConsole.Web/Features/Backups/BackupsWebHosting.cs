using OpsConsole.Core.Backups;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Operations;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Backups;

/// <summary>Managed databases and backups: the capability, its pages (/databases, /databases/{name}) and /api/v1/databases, /backups.</summary>
public static class BackupsWebHosting
{
    public static WebApplicationBuilder AddBackupsWeb(this WebApplicationBuilder builder, string dataDirectory)
    {
        builder.RequireShell(nameof(AddBackupsWeb));
        builder.Require<Core.Operations.OperationRunner>(nameof(OperationsWebHosting.AddOperationsWeb), nameof(AddBackupsWeb),
            "backups run as operations");
        builder.AddConsoleBackups(dataDirectory);
        builder.Services.AddSingleton<BackupCommands>(); // the pages' scope-per-call way into BackupService
        return builder;
    }

    public static IEndpointRouteBuilder MapBackups(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapConsoleApiGroup().MapBackupApi();
        return endpoints;
    }
}
