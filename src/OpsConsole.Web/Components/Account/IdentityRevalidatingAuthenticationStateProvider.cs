using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Identity;

namespace OpsConsole.Web.Components.Account;

/// <summary>
/// Re-checks a connected circuit's user every minute against the security stamp, so a password change,
/// reset or removed account ends open circuits too, not only new requests.
/// </summary>
internal sealed class IdentityRevalidatingAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private static readonly AuthenticationState SignedOut = new(new ClaimsPrincipal(new ClaimsIdentity()));

    private readonly IServiceScopeFactory scopes;
    private readonly IOptions<IdentityOptions> options;
    private readonly SessionRevocations revocations;
    private readonly Lock gate = new();
    private IDisposable? registration;
    private string? registeredUserId;

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

    public override async Task<AuthenticationState> GetAuthenticationStateAsync()
    {
        var state = await base.GetAuthenticationStateAsync();
        Track(state.User);
        return state;
    }

    // Revoked sessions end now, not at the next revalidation: the circuit's user becomes anonymous and the page's
    // authorization sends them to sign-in. SessionRevocations listens to the distributed topic once per process.
    private void Track(ClaimsPrincipal user)
    {
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        lock (gate)
        {
            if (string.Equals(userId, registeredUserId, StringComparison.Ordinal))
            {
                return;
            }

            registration?.Dispose();
            registeredUserId = userId;
            registration = userId is null ? null : revocations.Register(userId, () => SetAuthenticationState(Task.FromResult(SignedOut)));
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
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var user = await users.GetUserAsync(authenticationState.User);
        if (user is null)
        {
            return false;
        }

        var principalStamp = authenticationState.User.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        return principalStamp == await users.GetSecurityStampAsync(user);
    }
}
