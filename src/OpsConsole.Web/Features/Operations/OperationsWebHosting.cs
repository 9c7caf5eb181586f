using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Api;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Operations;

/// <summary>Operations: the layer every long action runs on (runner, service, live feed), its pages and /api/v1/operations.</summary>
public static class OperationsWebHosting
{
    public static WebApplicationBuilder AddOperationsWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddOperationsWeb));
        builder.AddConsoleOperations();
        // Capabilities add their sections of the operation page (AddOperationDetailSection); with none, it shows the generic facts.
        builder.Services.TryAddSingleton<OperationDetailSections>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapConsoleApiGroup().MapOperationApi();
        return endpoints;
    }
}
