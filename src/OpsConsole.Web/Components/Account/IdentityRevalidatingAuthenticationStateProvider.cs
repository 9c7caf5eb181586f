using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Live;

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
    private readonly IDisposable revocations;
    private volatile string? userId;

    public IdentityRevalidatingAuthenticationStateProvider(
        ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<IdentityOptions> options, ILiveEvents live)
        : base(loggerFactory)
    {
        this.scopes = scopes;
        this.options = options;
        // Revoked sessions end now, not at the next revalidation: the circuit's user becomes anonymous and the
        // page's authorization sends them to sign-in. The topic is distributed, so this works across instances.
        revocations = live.Subscribe(IdentityTopics.SessionsRevoked, e =>
        {
            if (userId is { } current && string.Equals(current, e.Payload.UserId, StringComparison.Ordinal))
            {
                SetAuthenticationState(Task.FromResult(SignedOut));
            }

            return Task.CompletedTask;
        });
        AuthenticationStateChanged += OnStateChanged;
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    public override async Task<AuthenticationState> GetAuthenticationStateAsync()
    {
        var state = await base.GetAuthenticationStateAsync();
        userId = state.User.FindFirstValue(ClaimTypes.NameIdentifier);
        return state;
    }

    private async void OnStateChanged(Task<AuthenticationState> task)
    {
        try
        {
            userId = (await task).User.FindFirstValue(ClaimTypes.NameIdentifier);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            userId = null; // a failed state is treated as signed out
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            AuthenticationStateChanged -= OnStateChanged;
            revocations.Dispose();
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
