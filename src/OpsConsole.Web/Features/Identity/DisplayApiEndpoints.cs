using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.Displays;
using OpsConsole.Web.Features.Identity.Displays;
using OpsConsole.Web.Api;

namespace OpsConsole.Web.Features.Identity;

public sealed record CreateDisplayRequest(string? Name);

/// <summary>A display as the API lists it: never its pairing code or stamp.</summary>
public sealed record DisplaySummary(
    Guid Id, string Name, string Status, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? PairingCodeExpiresAt,
    DateTimeOffset? PairedAt, DateTimeOffset? LastSeenAt, string? LastSeenIp, string? UserAgent, DateTimeOffset? RevokedAt, string? RevokedBy)
{
    public static DisplaySummary From(DisplayDevice d, DateTimeOffset now) => new(
        d.Id, d.Name, DisplayStatusNames.Of(d.StatusAt(now)), d.CreatedBy, d.CreatedAt, d.PairingCodeExpiresAt,
        d.PairedAt, d.LastSeenAt, d.LastSeenIp, d.UserAgent, d.RevokedAt, d.RevokedBy);
}

/// <summary>The one-time pairing code and the URL to open on the display; returned once, never listed.</summary>
public sealed record PairingCodeResponse(Guid Id, string Name, string Code, string PairingUrl, DateTimeOffset ExpiresAt);

/// <summary>/api/v1/displays: the Displays page's actions for automation, through the same service and policy.</summary>
public static class DisplayApiEndpoints
{
    public static RouteGroupBuilder MapDisplayApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var displays = api.MapGroup("/displays").RequireAuthorization(ConsolePolicies.Administer);

        displays.MapGet("", async (ClaimsPrincipal caller, DisplayDeviceService service, TimeProvider time, CancellationToken ct) =>
            {
                var now = time.GetUtcNow();
                return TypedResults.Ok((await service.ListAsync(caller, ct)).Select(d => DisplaySummary.From(d, now)).ToList());
            })
            .WithName("ListDisplays")
            .WithSummary("Wall displays with status, pairing and last-seen time and address");

        displays.MapPost("", async Task<Results<Created<PairingCodeResponse>, ProblemHttpResult>> (
                CreateDisplayRequest request, HttpContext http, DisplayDeviceService service, CancellationToken ct) =>
            {
                try
                {
                    var issued = await service.CreateAsync(http.User, request.Name, ct);
                    return TypedResults.Created($"{ApiEndpoints.Prefix}/displays", Response(issued, http.Request));
                }
                catch (ArgumentException ex)
                {
                    return ApiProblem.Invalid("name", ex.Message);
                }
            })
            .WithName("CreateDisplay")
            .WithSummary("Add a display; the response holds its one-time pairing code and URL (valid 10 minutes, shown once)");

        displays.MapPost("/{id:guid}/pairing-code", async Task<Results<Ok<PairingCodeResponse>, ProblemHttpResult>> (
                Guid id, HttpContext http, DisplayDeviceService service, CancellationToken ct) =>
            {
                try
                {
                    return await service.IssuePairingCodeAsync(http.User, id, ct) is { } issued
                        ? TypedResults.Ok(Response(issued, http.Request))
                        : NotFound();
                }
                catch (InvalidOperationException ex)
                {
                    return ApiProblem.Invalid("id", ex.Message);
                }
            })
            .WithName("IssueDisplayPairingCode")
            .WithSummary("A new pairing code for a display that is not paired (pending, code expired or revoked)");

        displays.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid id, ClaimsPrincipal caller, DisplayDeviceService service, CancellationToken ct) =>
                await service.RevokeAsync(caller, id, ct) ? TypedResults.NoContent() : NotFound())
            .WithName("RevokeDisplay")
            .WithSummary("Revoke a display: its cookie stops working and its open screen shows that it was revoked");

        return displays;
    }

    private static PairingCodeResponse Response(IssuedPairingCode issued, HttpRequest request)
    {
        var baseUri = $"{request.Scheme}://{request.Host}{request.PathBase}/";
        return new(issued.Device.Id, issued.Device.Name, issued.Code, PairingLink.UrlFor(baseUri, issued.Code), issued.ExpiresAt);
    }

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem("No display with this id.", title: "Not found", statusCode: StatusCodes.Status404NotFound);
}
