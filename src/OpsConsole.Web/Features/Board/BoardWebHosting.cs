using OpsConsole.Core.Alerts;
using OpsConsole.Core.Board;
using OpsConsole.Web.Features.Alerts;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Board;

/// <summary>The status board (/): Core's board store over the alert, service and target stores. It has no API of its own.</summary>
public static class BoardWebHosting
{
    public static WebApplicationBuilder AddBoardWeb(this WebApplicationBuilder builder)
    {
        builder.RequireShell(nameof(AddBoardWeb));
        builder.Require<AlertStore>(nameof(AlertsWebHosting.AddAlertsWeb), nameof(AddBoardWeb), "the board reads the alert, service and target stores");
        builder.AddStatusBoard();
        return builder;
    }
}
