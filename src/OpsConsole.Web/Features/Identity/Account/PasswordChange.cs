using System.Security.Claims;
using OpsConsole.Core.Access;

namespace OpsConsole.Web.Features.Identity.Account;

/// <summary>Who is offered "Change password": people signed in with a console password, not provider accounts or devices.</summary>
public static class PasswordChange
{
    /// <summary>
    /// True for a person signed in with the sign-in cookie after a password sign-in. Provider (OIDC) accounts have no
    /// console password (their password lives at the provider); displays and API tokens are no people.
    /// </summary>
    public static bool IsAvailableTo(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.IsAuthenticated == true
            && !user.HasClaim(c => c.Type is ConsoleClaims.DisplayId or ConsoleClaims.AuthMethod or ConsoleClaims.System)
            && !string.Equals(user.FindFirstValue(ClaimTypes.AuthenticationMethod), OidcAuthentication.OidcScheme, StringComparison.Ordinal);
    }
}
