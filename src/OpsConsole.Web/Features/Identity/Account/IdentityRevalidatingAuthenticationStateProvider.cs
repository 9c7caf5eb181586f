using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.Displays;
using OpsConsole.Core.Identity.Sessions;
using OpsConsole.Web.Features.Identity.Displays;

namespace OpsConsole.Web.Features.Identity.Account;

/// <summary>
/// Re-checks a connected circuit's user every minute against the security stamp (a wall display against its device
/// record), so a password change, reset, removed account or revoked display ends open circuits too, not only new
/// requests.
/// </summary>
internal sealed class IdentityRevalidatingAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private static readonly AuthenticationState SignedOut = new(new ClaimsPrincipal(new ClaimsIdentity()));

    private readonly IServiceScopeFactory scopes;
    private readonly IOptions<IdentityOptions> options;
    private readonly SessionRevocations revocations;
    private readonly Lock gate = new();
    private IDisposable? registration;
    private string? registeredKey;

    public IdentityRevalidatingAuthenticationStateProvider(
        ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<IdentityOptions> options, SessionRevocations revocations)
        : base(loggerFactory)
    {
        this.scopes = scopes;
        this.options = options;
        this.revocations = revocations;
        AuthenticationStateChanged += OnStateChanged;
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    /// <summary>Anonymous, but marked: the router shows the "display revoked" screen instead of sending a TV to sign-in.</summary>
    internal static AuthenticationState RevokedDisplay(Guid deviceId) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ConsoleClaims.RevokedDisplay, deviceId.ToString())])));

    public override async Task<AuthenticationState> GetAuthenticationStateAsync()
    {
        var state = await base.GetAuthenticationStateAsync();
        Track(state.User);
        return state;
    }

    // Revoked sessions end now, not at the next revalidation: the circuit's user becomes anonymous and the page's
    // authorization sends them to sign-in. SessionRevocations listens to the distributed topics once per process:
    // a person is registered by user id (all their sessions) and by session id (this sign-in only).
    private void Track(ClaimsPrincipal user)
    {
        var isDisplay = DisplayAuthentication.TryReadDevice(user, out var deviceId, out _);
        var userId = isDisplay ? null : user.FindFirstValue(ClaimTypes.NameIdentifier);
        var sessionId = isDisplay ? null : UserSessionService.SessionIdOf(user);
        var key = isDisplay ? "display:" + deviceId : userId is null ? null : $"user:{userId}:{sessionId}";
        lock (gate)
        {
            if (string.Equals(key, registeredKey, StringComparison.Ordinal))
            {
                return;
            }

            registration?.Dispose();
            registeredKey = key;
            if (isDisplay)
            {
                registration = revocations.RegisterDisplay(deviceId, () => SetAuthenticationState(Task.FromResult(RevokedDisplay(deviceId))));
            }
            else if (userId is not null)
            {
                var signOut = () => SetAuthenticationState(Task.FromResult(SignedOut));
                var byUser = revocations.Register(userId, signOut);
                registration = sessionId is { } id ? new Both(byUser, revocations.RegisterSession(id, signOut)) : byUser;
            }
            else
            {
                registration = null;
            }
        }
    }

    private async void OnStateChanged(Task<AuthenticationState> task)
    {
        try
        {
            Track((await task).User);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Track(SignedOut.User); // a failed state is treated as signed out
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            AuthenticationStateChanged -= OnStateChanged;
            lock (gate)
            {
                registration?.Dispose();
                registration = null;
            }
        }

        base.Dispose(disposing);
    }

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (DisplayAuthentication.TryReadDevice(authenticationState.User, out var deviceId, out var stamp))
        {
            // Also keeps "last seen" current for a TV that sits on one page for days without an HTTP request.
            if (!await scope.ServiceProvider.GetRequiredService<DisplayDeviceService>().CheckAsync(deviceId, stamp, null, null, cancellationToken))
            {
                // Our own marked state instead of the base class's plain sign-out; setting it ends this revalidation loop.
                SetAuthenticationState(Task.FromResult(RevokedDisplay(deviceId)));
            }

            return true;
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var user = await users.GetUserAsync(authenticationState.User);
        if (user is null)
        {
            return false;
        }

        var principalStamp = authenticationState.User.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        if (principalStamp != await users.GetSecurityStampAsync(user))
        {
            return false;
        }

        // An ended session (event missed, e.g. across instances) ends here at the latest; a live one counts as seen.
        return UserSessionService.SessionIdOf(authenticationState.User) is not { } sessionId
            || await scope.ServiceProvider.GetRequiredService<UserSessionService>().TouchAsync(sessionId, user.Id, null, null, cancellationToken);
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }
}
