using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.Users;
using OpsConsole.Web.Api;

namespace OpsConsole.Web.Features.Identity;

public sealed record CreateUserRequest([property: Required] string UserName, [property: Required] string Role);

public sealed record SetRolesRequest([property: Required] IReadOnlyList<string> Roles);

/// <param name="TokensRevoked">The account's API tokens revoked with a password reset.</param>
public sealed record OneTimePasswordResponse(string UserName, string OneTimePassword, int TokensRevoked = 0);

/// <summary>/api/v1/users: the Users page's actions for automation, through the same service and policy.</summary>
public static class UserApiEndpoints
{
    public static RouteGroupBuilder MapUserApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var users = api.MapGroup("/users").RequireAuthorization(ConsolePolicies.Administer);

        users.MapGet("", async (ClaimsPrincipal caller, UserAdministrationService service, CancellationToken ct) =>
                TypedResults.Ok(await service.ListAsync(caller, ct)))
            .WithName("ListUsers")
            .WithSummary("Local accounts with roles, status, last sign-in and failed attempts");

        users.MapPost("", async Task<Results<Created<OneTimePasswordResponse>, ProblemHttpResult>> (CreateUserRequest request, ClaimsPrincipal caller, UserAdministrationService service) =>
            {
                if (string.IsNullOrWhiteSpace(request.UserName))
                {
                    return ApiProblem.Invalid("userName", "A user name is required.");
                }

                if (ConsoleRoles.Normalize(request.Role) is null)
                {
                    return ApiProblem.Invalid("role", $"Unknown role '{request.Role}'. Roles: {string.Join(", ", ConsoleRoles.All)}.");
                }

                try
                {
                    var otp = await service.CreateAsync(caller, request.UserName, request.Role);
                    return TypedResults.Created($"{ApiEndpoints.Prefix}/users", new OneTimePasswordResponse(otp.UserName, otp.Password));
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    return ApiProblem.Invalid("userName", ex.Message);
                }
            })
            .WithName("CreateUser")
            .WithSummary("Create a local account; the response holds its one-time password (shown once)");

        users.MapPut("/{id}/roles", (string id, SetRolesRequest request, ClaimsPrincipal caller, UserAdministrationService service) =>
                Run(() => service.SetRolesAsync(caller, id, request.Roles ?? []), "roles"))
            .WithName("SetUserRoles")
            .WithSummary("Replace a user's roles (their sessions must sign in again)");

        users.MapPost("/{id}/disable", (string id, ClaimsPrincipal caller, UserAdministrationService service) =>
                Run(() => service.SetDisabledAsync(caller, id, disabled: true), "id"))
            .WithName("DisableUser")
            .WithSummary("Disable an account: signed out everywhere, its API tokens revoked (enabling it does not bring them back)");

        users.MapPost("/{id}/enable", (string id, ClaimsPrincipal caller, UserAdministrationService service) =>
                Run(() => service.SetDisabledAsync(caller, id, disabled: false), "id"))
            .WithName("EnableUser")
            .WithSummary("Enable a disabled account");

        users.MapPost("/{id}/unlock", (string id, ClaimsPrincipal caller, UserAdministrationService service) =>
                Run(() => service.UnlockAsync(caller, id), "id"))
            .WithName("UnlockUser")
            .WithSummary("Clear a lockout after failed sign-in attempts");

        users.MapPost("/{id}/sign-out", (string id, ClaimsPrincipal caller, UserAdministrationService service) =>
                Run(() => service.SignOutEverywhereAsync(caller, id), "id"))
            .WithName("SignOutUserEverywhere")
            .WithSummary("End every session of the user now, including open pages on every instance");

        users.MapPost("/{id}/reset-password", async Task<Results<Ok<OneTimePasswordResponse>, ProblemHttpResult>> (string id, ClaimsPrincipal caller, UserAdministrationService service) =>
            {
                try
                {
                    var otp = await service.ResetPasswordAsync(caller, id);
                    return TypedResults.Ok(new OneTimePasswordResponse(otp.UserName, otp.Password, otp.TokensRevoked));
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    return ApiProblem.Invalid("id", ex.Message);
                }
            })
            .WithName("ResetUserPassword")
            .WithSummary("Replace a user's password with a one-time password (shown once); their sessions end and their API tokens are revoked");

        return users;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Run(Func<Task> action, string field)
    {
        try
        {
            await action();
            return TypedResults.NoContent();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return ApiProblem.Invalid(field, ex.Message);
        }
    }
}
