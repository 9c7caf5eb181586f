using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Live;

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
/// Administration of local accounts. Every method checks the caller against <see cref="ConsolePolicies.Administer"/>
/// itself (hiding a button is not protection) and records an audit entry.
/// </summary>
public sealed class UserAdministrationService(
    UserManager<ConsoleUser> users,
    Data.ConsoleDbContext db,
    AccountService accounts,
    IAuthorizationService authorization,
    IAuditTrail audit,
    ILiveEvents live,
    ApiTokens.ApiTokenService tokens,
    Sessions.UserSessionService sessions,
    TimeProvider time)
{
    // Far enough in the future to mean "until enabled again"; Identity has no separate disabled flag.
    private static readonly DateTimeOffset DisabledUntil = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public async Task<IReadOnlyList<UserSummary>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await DemandAsync(caller);
        var all = await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var result = new List<UserSummary>(all.Count);
        foreach (var user in all)
        {
            result.Add(await SummarizeAsync(user));
        }

        return result;
    }

    public async Task<OneTimePassword> CreateAsync(ClaimsPrincipal caller, string userName, string role)
    {
        await DemandAsync(caller);
        return await AuditedTransaction.RunAsync(db, async () =>
        {
            var otp = await accounts.CreateUserAsync(userName.Trim(), role);
            var created = await users.FindByNameAsync(otp.UserName);
            await RecordAsync(caller, "identity.user.created", created!.Id, ("role", role));
            return otp;
        });
    }

    public async Task SetRolesAsync(ClaimsPrincipal caller, string userId, IReadOnlyCollection<string> roles)
    {
        await DemandAsync(caller);
        await AuditedTransaction.RunAsync(db, async () =>
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
            db.OnCommitted(() => live.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked(user.Id, "roles changed")));
            await RecordAsync(caller, "identity.user.roles_changed", user.Id, ("roles", string.Join(",", wanted)));
        });
    }

    /// <summary>Disables (signs out everywhere, revokes every API token) or enables an account; the tokens revoked.</summary>
    public async Task<int> SetDisabledAsync(ClaimsPrincipal caller, string userId, bool disabled)
    {
        await DemandAsync(caller);
        return await AuditedTransaction.RunAsync(db, async () =>
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
                await RecordAsync(caller, "identity.user.enabled", user.Id);
                return 0;
            }

            // Enabling again must not bring old tokens back to life: they are revoked, not merely refused while disabled.
            var revoked = await ApiTokens.ApiTokenService.RevokeAllAsync(db, user.Id, caller.Identity?.Name ?? "admin", time.GetUtcNow());
            db.OnCommitted(() => live.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked(user.Id, "account disabled")));
            await RecordAsync(caller, "identity.user.disabled", user.Id, ("tokensRevoked", revoked.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return revoked;
        });
    }

    public async Task UnlockAsync(ClaimsPrincipal caller, string userId)
    {
        await DemandAsync(caller);
        await AuditedTransaction.RunAsync(db, async () =>
        {
            var user = await FindAsync(userId);
            if (user.LockoutEnd is { } end && end >= DisabledUntil)
            {
                throw new ArgumentException("The account is disabled, not locked out; enable it instead.");
            }

            Check(await users.SetLockoutEndDateAsync(user, null));
            Check(await users.ResetAccessFailedCountAsync(user));
            await RecordAsync(caller, "identity.user.unlocked", user.Id);
        });
    }

    public async Task<OneTimePassword> ResetPasswordAsync(ClaimsPrincipal caller, string userId)
    {
        await DemandAsync(caller);
        return await AuditedTransaction.RunAsync(db, async () =>
        {
            var user = await FindAsync(userId);
            // A local password would be a second way in that bypasses the provider's own controls (MFA, offboarding).
            await RefuseForProviderAccountAsync(user, "This account signs in through the identity provider; it has no console password.");
            var otp = await accounts.ResetPasswordAsync(user.UserName!, caller.Identity?.Name ?? "admin");
            db.OnCommitted(() => live.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked(user.Id, "password reset")));
            await RecordAsync(caller, "identity.user.password_reset", user.Id, ("tokensRevoked", otp.TokensRevoked.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return otp;
        });
    }

    /// <summary>Ends every session of the user now: cookies fail their stamp check, open pages drop to sign-in.</summary>
    public async Task SignOutEverywhereAsync(ClaimsPrincipal caller, string userId)
    {
        await DemandAsync(caller);
        await AuditedTransaction.RunAsync(db, async () =>
        {
            var user = await FindAsync(userId);
            Check(await users.UpdateSecurityStampAsync(user));
            await sessions.EndAllAsync(caller, user.Id, "signed out everywhere by an administrator");
            db.OnCommitted(() => live.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked(user.Id, "signed out by an administrator")));
            await RecordAsync(caller, "identity.user.signed_out_everywhere", user.Id);
        });
    }

    /// <summary>Any user's API tokens (never their secrets), for administrators.</summary>
    public async Task<IReadOnlyList<ApiTokens.ApiToken>> ListTokensAsync(ClaimsPrincipal caller, string userId, CancellationToken cancellationToken = default)
    {
        await DemandAsync(caller);
        return await tokens.ListAsync(userId, cancellationToken);
    }

    /// <summary>Revokes any user's token (administrators); the token's next use gets 401 "revoked".</summary>
    public async Task<bool> RevokeTokenAsync(ClaimsPrincipal caller, Guid tokenId, CancellationToken cancellationToken = default)
    {
        await DemandAsync(caller);
        return await AuditedTransaction.RunAsync(db, async () =>
        {
            var revoked = await tokens.RevokeAsync(tokenId, caller.Identity?.Name ?? "admin", cancellationToken);
            if (revoked)
            {
                await RecordAsync(caller, "identity.token.revoked", tokenId.ToString());
            }

            return revoked;
        });
    }

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

    private async Task DemandAsync(ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!(await authorization.AuthorizeAsync(caller, ConsolePolicies.Administer)).Succeeded)
        {
            await audit.RecordAsync(new AuditEntry(caller, "identity.users.access", "user", "*", "denied"));
            throw new UnauthorizedAccessException("Administering users needs the Admin role.");
        }
    }

    private async Task<ConsoleUser> FindAsync(string userId) =>
        await users.FindByIdAsync(userId) ?? throw new ArgumentException("No such user.");

    private Task RecordAsync(ClaimsPrincipal caller, string action, string userId, params (string Key, string? Value)[] details) =>
        audit.RecordAsync(new AuditEntry(caller, action, "user", userId, "succeeded",
            details.Length == 0 ? null : details.ToDictionary(d => d.Key, d => d.Value)));

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new ArgumentException(string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }
}
