using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.Sessions;

namespace OpsConsole.Web.Features.Identity;

/// <summary>A sign-in session as the API shows it; <c>Current</c> marks the one the call was made with.</summary>
public sealed record SessionSummary(
    Guid Id, DateTimeOffset StartedAt, DateTimeOffset LastSeenAt, string? IpAddress, string? UserAgent, string Browser, int Circuits, bool Current)
{
    public static SessionSummary From(UserSessionInfo s, Guid? current) =>
        new(s.Id, s.StartedAt, s.LastSeenAt, s.IpAddress, s.UserAgent, s.Browser, s.Circuits, s.Id == current);
}

public sealed record EndedSessionsResponse(int Ended);

/// <summary>Sessions: your own (list, end one, end all others) and, for administrators, anyone's list.</summary>
public static class SessionApiEndpoints
{
    public static RouteGroupBuilder MapSessionApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        api.MapGet("/me/sessions", async (ClaimsPrincipal caller, UserSessionService sessions, CancellationToken ct) =>
                TypedResults.Ok(caller.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId
                    ? [.. (await sessions.ListAsync(userId, ct)).Select(s => SessionSummary.From(s, UserSessionService.SessionIdOf(caller)))]
                    : new List<SessionSummary>()))
            .RequireAuthorization(ConsolePolicies.SignedIn)
            .WithName("ListMySessions")
            .WithSummary("The caller's live sign-in sessions with address, browser and open circuits (on this instance)");

        api.MapDelete("/me/sessions/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid id, ClaimsPrincipal caller, UserSessionService sessions, CancellationToken ct) =>
                await sessions.EndAsync(caller, id, ct)
                    ? TypedResults.NoContent()
                    : TypedResults.Problem("You have no live session with this id.", title: "Not found", statusCode: StatusCodes.Status404NotFound))
            .RequireAuthorization(ConsolePolicies.SignedIn)
            .WithName("EndMySession")
            .WithSummary("End one of your sessions: its cookie stops working and its open pages go to sign-in");

        api.MapPost("/me/sessions/sign-out-others", async (ClaimsPrincipal caller, UserSessionService sessions, CancellationToken ct) =>
                TypedResults.Ok(new EndedSessionsResponse(await sessions.EndOthersAsync(caller, UserSessionService.SessionIdOf(caller), ct))))
            .RequireAuthorization(ConsolePolicies.SignedIn)
            .WithName("EndMyOtherSessions")
            .WithSummary("End all your sessions except the one making the call (with an API token: all of them)");

        api.MapGet("/users/{id}/sessions", async (string id, ClaimsPrincipal caller, UserSessionService sessions, CancellationToken ct) =>
                TypedResults.Ok((await sessions.ListForAdminAsync(caller, id, ct)).Select(s => SessionSummary.From(s, null)).ToList()))
            .RequireAuthorization(ConsolePolicies.Administer)
            .WithName("ListUserSessions")
            .WithSummary("Any user's live sessions (Admin); POST /users/{id}/sign-out ends them all");

        return api;
    }
}
