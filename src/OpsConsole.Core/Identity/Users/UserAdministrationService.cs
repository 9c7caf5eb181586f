using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Identity.Users;

public sealed record UserSummary(
    string Id,
    string UserName,
    IReadOnlyList<string> Roles,
    bool Disabled,
    DateTimeOffset? LockedOutUntil,
    int FailedAttempts,
    bool MustChangePassword,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt,
    string? SignsInWith = null);

/// <summary>
/// Administration of local accounts. Every method demands <see cref="ConsolePolicies.Administer"/> itself (hiding a
/// button is not protection) and runs as one audited action (<see cref="AuditedActions"/>).
/// </summary>
public sealed class UserAdministrationService(
    UserManager<ConsoleUser> users,
    AccountService accounts,
    AuditedActions actions,
    ApiTokens.ApiTokenService tokens,
    Sessions.UserSessionService sessions,
    TimeProvider time)
{
    /// <summary>Who may administer accounts, and how a refusal is recorded.</summary>
    public static readonly AccessRule Administer = new(
        ConsolePolicies.Administer, "identity.users.access", "user", "Administering users needs the Admin role.");

    // Far enough in the future to mean "until enabled again"; Identity has no separate disabled flag.
    private static readonly DateTimeOffset DisabledUntil = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public async Task<IReadOnlyList<UserSummary>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Administer, cancellationToken);
        var all = await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var result = new List<UserSummary>(all.Count);
        foreach (var user in all)
        {
            result.Add(await SummarizeAsync(user));
        }

        return result;
    }

    public Task<OneTimePassword> CreateAsync(ClaimsPrincipal caller, string userName, string role) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var otp = await accounts.CreateUserAsync(userName.Trim(), role);
            var created = await users.FindByNameAsync(otp.UserName);
            await act.RecordAsync("identity.user.created", "user", created!.Id, ("role", role));
            return otp;
        });

    public Task SetRolesAsync(ClaimsPrincipal caller, string userId, IReadOnlyCollection<string> roles) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var user = await FindAsync(userId);
            await RefuseForProviderAccountAsync(user, "Roles of this account come from the identity provider and are replaced at each sign-in; change them there.");
            var wanted = roles.Select(r => ConsoleRoles.Normalize(r) ?? throw new ArgumentException($"Unknown role '{r}'.")).Distinct().ToList();
            if (wanted.Count == 0)
            {
                throw new ArgumentException("A user needs at least one role.");
            }

            var current = await users.GetRolesAsync(user);
            if (current.Contains(ConsoleRoles.Admin) && !wanted.Contains(ConsoleRoles.Admin))
            {
                await EnsureAnotherAdminRemainsAsync(user);
            }

            Check(await users.RemoveFromRolesAsync(user, current.Except(wanted)));
            Check(await users.AddToRolesAsync(user, wanted.Except(current)));
            // Open sessions carry the old roles in their cookie; a new stamp makes them re-authenticate.
            Check(await users.UpdateSecurityStampAsync(user));
            act.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked(user.Id, "roles changed"));
            tokens.ForgetCachedAfterCommit(user.Id);
            await act.RecordAsync("identity.user.roles_changed", "user", user.Id, ("roles", string.Join(",", wanted)));
        });

    /// <summary>Disables (signs out everywhere, revokes every API token) or enables an account; the tokens revoked.</summary>
    public Task<int> SetDisabledAsync(ClaimsPrincipal caller, string userId, bool disabled) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var user = await FindAsync(userId);
            if (disabled)
            {
                if (user.Id == caller.FindFirstValue(ClaimTypes.NameIdentifier))
                {
                    throw new ArgumentException("You cannot disable your own account.");
                }

                if ((await users.GetRolesAsync(user)).Contains(ConsoleRoles.Admin))
                {
                    await EnsureAnotherAdminRemainsAsync(user);
                }
            }

            Check(await users.SetLockoutEnabledAsync(user, true));
            Check(await users.SetLockoutEndDateAsync(user, disabled ? DisabledUntil : null));
            Check(await users.UpdateSecurityStampAsync(user));
            if (!disabled)
            {
                await act.RecordAsync("identity.user.enabled", "user", user.Id);
                return 0;
            }

            // Enabling again must not bring old tokens back to life: they are revoked, not merely refused while disabled.
            var revoked = await tokens.RevokeAllAsync(user.Id, act.CallerName);
            act.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked(user.Id, "account disabled"));
            tokens.ForgetCachedAfterCommit(user.Id);
            await act.RecordAsync("identity.user.disabled", "user", user.Id, ("tokensRevoked", revoked.ToString(CultureInfo.InvariantCulture)));
            return revoked;
        });

    public Task UnlockAsync(ClaimsPrincipal caller, string userId) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var user = await FindAsync(userId);
            if (user.LockoutEnd is { } end && end >= DisabledUntil)
            {
                throw new ArgumentException("The account is disabled, not locked out; enable it instead.");
            }

            Check(await users.SetLockoutEndDateAsync(user, null));
            Check(await users.ResetAccessFailedCountAsync(user));
            await act.RecordAsync("identity.user.unlocked", "user", user.Id);
        });

    public Task<OneTimePassword> ResetPasswordAsync(ClaimsPrincipal caller, string userId) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var user = await FindAsync(userId);
            // A local password would be a second way in that bypasses the provider's own controls (MFA, offboarding).
            await RefuseForProviderAccountAsync(user, "This account signs in through the identity provider; it has no console password.");
            var otp = await accounts.ResetPasswordAsync(user.UserName!, act.CallerName);
            act.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked(user.Id, "password reset"));
            tokens.ForgetCachedAfterCommit(user.Id);
            await act.RecordAsync("identity.user.password_reset", "user", user.Id, ("tokensRevoked", otp.TokensRevoked.ToString(CultureInfo.InvariantCulture)));
            return otp;
        });

    /// <summary>Ends every session of the user now: cookies fail their stamp check, open pages drop to sign-in.</summary>
    public Task SignOutEverywhereAsync(ClaimsPrincipal caller, string userId) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var user = await FindAsync(userId);
            Check(await users.UpdateSecurityStampAsync(user));
            await sessions.EndAllAsync(caller, user.Id, "signed out everywhere by an administrator");
            act.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked(user.Id, "signed out by an administrator"));
            tokens.ForgetCachedAfterCommit(user.Id);
            await act.RecordAsync("identity.user.signed_out_everywhere", "user", user.Id);
        });

    /// <summary>Any user's API tokens (never their secrets), for administrators.</summary>
    public async Task<IReadOnlyList<ApiTokens.ApiToken>> ListTokensAsync(ClaimsPrincipal caller, string userId, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Administer, cancellationToken);
        return await tokens.ListAsync(userId, cancellationToken);
    }

    /// <summary>Revokes any user's token (administrators); the token's next use gets 401 "revoked".</summary>
    public Task<bool> RevokeTokenAsync(ClaimsPrincipal caller, Guid tokenId, CancellationToken cancellationToken = default) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var owner = await tokens.OwnerOfAsync(tokenId, cancellationToken);
            var revoked = await tokens.RevokeAsync(tokenId, caller.Identity?.Name ?? "admin", cancellationToken);
            if (revoked)
            {
                // The target is the token (as when its owner revokes it), so the audit page can name it.
                await act.RecordAsync("identity.token.revoked", "token", tokenId.ToString(), ("owner", owner));
            }

            return revoked;
        }, cancellationToken);

    private async Task<UserSummary> SummarizeAsync(ConsoleUser user)
    {
        var roles = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToList();
        var disabled = user.LockoutEnd is { } end && end >= DisabledUntil;
        var lockedUntil = !disabled && user.LockoutEnd is { } until && until > time.GetUtcNow() ? until : (DateTimeOffset?)null;
        var provider = (await users.GetLoginsAsync(user)).FirstOrDefault()?.ProviderDisplayName;
        return new UserSummary(user.Id, user.UserName ?? "", roles, disabled, lockedUntil, user.AccessFailedCount,
            user.MustChangePassword, user.CreatedAt, user.LastSignInAt, provider);
    }

    private async Task RefuseForProviderAccountAsync(ConsoleUser user, string message)
    {
        if ((await users.GetLoginsAsync(user)).Count > 0)
        {
            throw new InvalidOperationException(message);
        }
    }

    private async Task EnsureAnotherAdminRemainsAsync(ConsoleUser leaving)
    {
        var admins = await users.GetUsersInRoleAsync(ConsoleRoles.Admin);
        var now = time.GetUtcNow();
        if (!admins.Any(a => a.Id != leaving.Id && (a.LockoutEnd is null || a.LockoutEnd <= now)))
        {
            throw new ArgumentException("At least one enabled administrator must remain.");
        }
    }

    private async Task<ConsoleUser> FindAsync(string userId) =>
        await users.FindByIdAsync(userId) ?? throw new ArgumentException("No such user.");

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new ArgumentException(IdentityErrorText.Of(result));
        }
    }
}
