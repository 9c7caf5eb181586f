using System.Security.Claims;
using OpsConsole.Core.Access;
using OpsConsole.Web.Features.Alerts;
using OpsConsole.Web.Features.Backups;
using OpsConsole.Web.Features.Audit;
using OpsConsole.Web.Features.Identity;
using OpsConsole.Web.Features.Identity.Account;
using OpsConsole.Web.Features.Migrations;
using OpsConsole.Web.Features.Operations;
using OpsConsole.Web.Features.Restores;
using OpsConsole.Web.Features.SystemStatus;

namespace OpsConsole.Web.Api;

/// <summary>Who the caller is, as the console sees them.</summary>
public sealed record MeResponse(string UserName, IReadOnlyList<string> Roles, string AuthenticationMethod, string? TokenName);

/// <summary>
/// The HTTP API, /api/v1: every operation carries a named policy (the role matrix test reads them from OpenAPI). The shell
/// answers /me; each capability maps its own operations.
/// </summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    /// <summary>
    /// The group a capability maps its operations in: under <see cref="Prefix"/>, tagged "console", cookie callers
    /// checked for antiforgery by <see cref="ApiAntiforgeryFilter"/>.
    /// </summary>
    public static RouteGroupBuilder MapConsoleApiGroup(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGroup(Prefix).WithTags("console").AddEndpointFilter<ApiAntiforgeryFilter>();

    public static IEndpointRouteBuilder MapConsoleApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapConsoleApiGroup();

        api.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(new MeResponse(
                user.Identity?.Name ?? "",
                [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value).Order(StringComparer.Ordinal)],
                user.FindFirstValue(ApiTokenAuthenticationHandler.AuthenticationMethodClaim)
                    ?? (user.HasClaim(c => c.Type == ConsoleClaims.DisplayId) ? "display" : "cookie"),
                user.FindFirstValue(ApiTokenAuthenticationHandler.TokenNameClaim))))
            .RequireAuthorization(ConsolePolicies.SignedIn)
            .WithName("GetMe")
            .WithSummary("The caller and their effective roles");

        endpoints.MapSystemStatus();
        endpoints.MapIdentity();
        endpoints.MapAudit();
        endpoints.MapAlerts();
        endpoints.MapOperations();
        endpoints.MapBackups();
        endpoints.MapRestores();
        endpoints.MapMigrations();
        return endpoints;
    }
}
