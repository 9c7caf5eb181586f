using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.Sessions;

namespace OpsConsole.Web.Features.Identity.Account;

/// <summary>
/// Ties the sign-in cookie to its session record: after Identity's stamp check, a cookie whose session has ended is
/// refused (and deleted); the session id survives the stamp validator's principal refresh.
/// </summary>
public static class UserSessionCookie
{
    public static void Attach(CookieAuthenticationOptions cookie)
    {
        ArgumentNullException.ThrowIfNull(cookie);
        var validateStamp = cookie.Events.OnValidatePrincipal;
        cookie.Events.OnValidatePrincipal = async context =>
        {
            await validateStamp(context);
            if (context.Principal is not null)
            {
                await ValidateSessionAsync(context);
            }
        };
    }

    /// <summary>The stamp validator rebuilds the principal from the user; carry the session id over.</summary>
    public static Task KeepSessionClaim(SecurityStampRefreshingPrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.CurrentPrincipal?.FindFirst(ConsoleClaims.SessionId) is { } claim
            && context.NewPrincipal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == ConsoleClaims.SessionId))
        {
            identity.AddClaim(new Claim(ConsoleClaims.SessionId, claim.Value));
        }

        return Task.CompletedTask;
    }

    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        // Cookies issued before sessions were recorded carry no id; they are accepted until they expire (8 hours).
        if (UserSessionService.SessionIdOf(context.Principal) is not { } sessionId)
        {
            return;
        }

        var http = context.HttpContext;
        var userId = context.Principal!.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        var sessions = http.RequestServices.GetRequiredService<UserSessionService>();
        if (!await sessions.TouchAsync(sessionId, userId, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString(), http.RequestAborted))
        {
            context.RejectPrincipal();
            await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        }
    }
}
