using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;

namespace OpsConsole.Core.Identity.Sessions;

/// <summary>
/// Identity's sign-in manager with a session record per sign-in. Every cookie sign-in (password, refresh, external
/// login) passes through <see cref="SignInWithClaimsAsync"/>, so that is where the session id joins the cookie.
/// </summary>
// Eight dependencies: the first seven are SignInManager<T>'s own constructor, passed through.
public sealed class ConsoleSignInManager(
    UserManager<ConsoleUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ConsoleUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ConsoleUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ConsoleUser> confirmation,
    UserSessionService sessions)
    : SignInManager<ConsoleUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    private bool _refreshing;

    /// <summary>A refresh (e.g. after a password change) keeps the browser's session instead of starting another.</summary>
    public override async Task RefreshSignInAsync(ConsoleUser user)
    {
        _refreshing = true;
        try
        {
            await base.RefreshSignInAsync(user);
        }
        finally
        {
            _refreshing = false;
        }
    }

    public override async Task SignInWithClaimsAsync(ConsoleUser user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        ArgumentNullException.ThrowIfNull(user);
        var current = UserSessionService.SessionIdOf(Context.User);
        Guid sessionId;
        if (_refreshing && current is { } id && await sessions.ContinueAsync(id, user))
        {
            sessionId = id;
        }
        else
        {
            sessionId = (await sessions.StartAsync(user, Context.Connection.RemoteIpAddress?.ToString(), Context.Request.Headers.UserAgent.ToString())).Id;
        }

        await base.SignInWithClaimsAsync(user, authenticationProperties, [.. additionalClaims, new Claim(ConsoleClaims.SessionId, sessionId.ToString())]);
    }

    public override async Task SignOutAsync()
    {
        await sessions.EndCurrentAsync(Context.User);
        await base.SignOutAsync();
    }
}
