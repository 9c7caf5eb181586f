using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Web.Api;

namespace OpsConsole.Web.Features.Identity;

/// <summary>What the API says about a token: never its secret or hash.</summary>
public sealed record ApiTokenSummary(
    Guid Id, string Name, string DisplayPrefix, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt, string Status)
{
    public static ApiTokenSummary From(ApiToken token, DateTimeOffset now) => new(
        token.Id, token.Name, token.DisplayPrefix, token.Roles, token.CreatedAt, token.ExpiresAt, token.LastUsedAt, token.RevokedAt,
        token.RevokedAt is not null ? "revoked" : token.ExpiresAt <= now ? "expired" : "active");
}

/// <summary>Token listing and revocation: your own tokens, or (Admin) anyone's. Creation stays in the UI and the CLI.</summary>
public static class TokenApiEndpoints
{
    public static RouteGroupBuilder MapTokenApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        api.MapGet("/tokens", async (ClaimsPrincipal caller, ApiTokenService tokens, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(Summaries(await tokens.ListAsync(caller.FindFirstValue(ClaimTypes.NameIdentifier)!, ct), time)))
            .RequireAuthorization(ConsolePolicies.SignedIn)
            .WithName("ListMyTokens")
            .WithSummary("The caller's API tokens (no secrets)");

        api.MapGet("/users/{id}/tokens", async (string id, ApiTokenService tokens, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(Summaries(await tokens.ListAsync(id, ct), time)))
            .RequireAuthorization(ConsolePolicies.Administer)
            .WithName("ListUserTokens")
            .WithSummary("Any user's API tokens (Admin)");

        api.MapDelete("/tokens/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid id, HttpContext http, ApiTokenService tokens, UserManager<ConsoleUser> users, IAuthorizationService authorization) =>
            {
                var caller = http.User;
                var user = await users.GetUserAsync(caller);
                if (user is null)
                {
                    return TypedResults.Problem("The caller's account no longer exists.", statusCode: StatusCodes.Status403Forbidden);
                }

                var isAdmin = (await authorization.AuthorizeAsync(caller, ConsolePolicies.Administer)).Succeeded;
                try
                {
                    return await tokens.RevokeAsync(id, user, isAdmin, actor: caller)
                        ? TypedResults.NoContent()
                        : TypedResults.Problem("No active token with this id.", statusCode: StatusCodes.Status404NotFound);
                }
                catch (UnauthorizedAccessException ex)
                {
                    await ApiProblem.RecordDenialAsync(http, "forbidden", ex.Message);
                    return TypedResults.Problem(ex.Message, title: "Forbidden", statusCode: StatusCodes.Status403Forbidden);
                }
            })
            .RequireAuthorization(ConsolePolicies.SignedIn)
            .WithName("RevokeToken")
            .WithSummary("Revoke one of your tokens, or (Admin) anyone's");

        return api;
    }

    private static List<ApiTokenSummary> Summaries(IEnumerable<ApiToken> tokens, TimeProvider time)
    {
        var now = time.GetUtcNow();
        return [.. tokens.Select(t => ApiTokenSummary.From(t, now))];
    }
}
