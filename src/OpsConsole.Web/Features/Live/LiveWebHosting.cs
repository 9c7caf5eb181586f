using OpsConsole.Core.Data;
using OpsConsole.Core.Live;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Live;

/// <summary>
/// Live events: Core's in-process bus, its PostgreSQL LISTEN/NOTIFY bridge between console instances, and the SignalR
/// hub at <see cref="LiveHub.Path"/> for clients that are not Blazor pages.
/// </summary>
public static class LiveWebHosting
{
    public static WebApplicationBuilder AddLiveWeb(this WebApplicationBuilder builder, ConsoleConnectionStrings connections)
    {
        builder.RequireShell(nameof(AddLiveWeb));
        ArgumentNullException.ThrowIfNull(connections);
        builder.Services.AddLiveEvents();
        builder.Services.AddLiveEventsPostgresBridge(_ => connections.Runtime);
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LiveHubForwarder>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHub<LiveHub>(LiveHub.Path);
        return endpoints;
    }
}
