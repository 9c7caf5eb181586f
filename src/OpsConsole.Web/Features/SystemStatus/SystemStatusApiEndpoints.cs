using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.SystemStatus;

namespace OpsConsole.Web.Features.SystemStatus;

public static class SystemStatusApiEndpoints
{
    public static RouteGroupBuilder MapSystemStatusApi(this RouteGroupBuilder api)
    {
        api.MapGet("/system/stats", Results<Ok<SystemStatsSnapshot>, ProblemHttpResult> (ISystemStatsSource stats) =>
                stats.Latest is { } latest
                    ? TypedResults.Ok(latest)
                    : TypedResults.Problem("The first sample has not been taken yet.", statusCode: StatusCodes.Status503ServiceUnavailable))
            .RequireAuthorization(ConsolePolicies.SystemRead)
            .WithName("GetSystemStats")
            .WithSummary("The newest sample of the console's own health (the System page)");
        return api;
    }
}
