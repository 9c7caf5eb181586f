using OpsConsole.Core.SystemStatus;
using OpsConsole.Web.Api;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.SystemStatus;

/// <summary>The console's own health (the System page, /api/v1/system/stats): Core's sampler.</summary>
public static class SystemStatusWebHosting
{
    public static WebApplicationBuilder AddSystemStatusWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddSystemStatusWeb));
        builder.AddSystemStatus();
        return builder;
    }

    public static IEndpointRouteBuilder MapSystemStatus(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapConsoleApiGroup().MapSystemStatusApi();
        return endpoints;
    }
}
