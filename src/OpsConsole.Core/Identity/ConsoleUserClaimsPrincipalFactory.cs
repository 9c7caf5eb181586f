using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;

namespace OpsConsole.Core.Identity;

/// <summary>Adds the console's own claims (pending password change, display name) to the sign-in principal.</summary>
public sealed class ConsoleUserClaimsPrincipalFactory(
    UserManager<ConsoleUser> userManager,
    RoleManager<IdentityRole> roleManager,
    IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<ConsoleUser, IdentityRole>(userManager, roleManager, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ConsoleUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = await base.GenerateClaimsAsync(user);
        if (user.MustChangePassword)
        {
            identity.AddClaim(new Claim(ConsoleClaims.MustChangePassword, "true"));
        }

        if (!string.IsNullOrWhiteSpace(user.DisplayName))
        {
            identity.AddClaim(new Claim("name", user.DisplayName));
        }

        return identity;
    }
}
