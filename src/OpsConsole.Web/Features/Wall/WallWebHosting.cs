using OpsConsole.Core.Wall;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Wall;

/// <summary>The wall display (/wall): Core's playlist options. It has no API of its own.</summary>
public static class WallWebHosting
{
    public static WebApplicationBuilder AddWallWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddWallWeb));
        builder.AddConsoleWall();
        return builder;
    }
}
