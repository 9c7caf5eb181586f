using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;

namespace OpsConsole.Core.Identity;

/// <param name="TokensRevoked">API tokens of the account revoked with the reset (a reset answers a compromise).</param>
public sealed record OneTimePassword(string UserName, string Password, int TokensRevoked = 0);

/// <summary>Account operations shared by the admin CLI and bootstrap: roles, users and one-time passwords.</summary>
public sealed partial class AccountService(
    UserManager<ConsoleUser> users,
    RoleManager<IdentityRole> roles,
    Data.ConsoleDbContext db,
    Audit.AuditedActions actions,
    TimeProvider time,
    InitialAdminPasswordFile initialAdminPassword,
    ILogger<AccountService> logger)
{
    public const string BootstrapAdminUserName = "admin";

    // No look-alike characters: the password is read off a terminal and typed by hand.
    private const string PasswordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static string GenerateOneTimePassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 20);

    public async Task EnsureRolesAsync()
    {
        foreach (var role in ConsoleRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"Could not create role {role}");
            }
        }
    }

    /// <summary>Creates the `admin` account when the console has no users at all; returns its one-time password, else null.</summary>
    public async Task<OneTimePassword?> EnsureBootstrapAdminAsync(bool localAccountsEnabled = true)
    {
        await EnsureRolesAsync();
        // With local accounts off, a password account could never sign in: the provider's first Admin is the way in.
        if (!localAccountsEnabled || users.Users.Any())
        {
            return null;
        }

        var admin = await CreateUserAsync(BootstrapAdminUserName, ConsoleRoles.Admin);
        initialAdminPassword.Write(admin.Password);
        return admin;
    }

    public async Task<OneTimePassword> CreateUserAsync(string userName, string role)
    {
        var canonicalRole = ConsoleRoles.Normalize(role)
            ?? throw new ArgumentException($"Unknown role '{role}'. Roles: {string.Join(", ", ConsoleRoles.All)}."); // no parameter name: it would be appended to the message people read
        await EnsureRolesAsync();
        if (await users.FindByNameAsync(userName) is not null)
        {
            throw new InvalidOperationException($"A user named '{userName}' already exists.");
        }

        var password = GenerateOneTimePassword();
        var user = new ConsoleUser(userName) { MustChangePassword = true, CreatedAt = time.GetUtcNow(), LockoutEnabled = true };
        // Identity's errors about the name are the person's to fix: their words alone, without the name repeated around them.
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRoleAsync(user, canonicalRole), $"Could not add {userName} to {canonicalRole}");
        LogUserCreated(userName, canonicalRole);
        return new OneTimePassword(userName, password);
    }

    /// <summary>
    /// Replaces the password with a new one-time password, ends the user's sessions (security stamp) and revokes their
    /// API tokens: a token would otherwise outlive the reset that answers a leaked password.
    /// </summary>
    public async Task<OneTimePassword> ResetPasswordAsync(string userName, string revokedBy)
    {
        var user = await users.FindByNameAsync(userName)
            ?? throw new InvalidOperationException($"No user named '{userName}'.");
        var password = GenerateOneTimePassword();
        var token = await users.GeneratePasswordResetTokenAsync(user);
        Check(await users.ResetPasswordAsync(user, token, password));
        user.MustChangePassword = true;
        Check(await users.UpdateAsync(user));
        Check(await users.SetLockoutEndDateAsync(user, null));
        Check(await users.ResetAccessFailedCountAsync(user));
        var revoked = await ApiTokens.ApiTokenService.RevokeAllAsync(db, user.Id, revokedBy, time.GetUtcNow());
        LogPasswordReset(userName);
        return new OneTimePassword(userName, password, revoked);
    }

    /// <summary>Changes the password of a signed-in user and clears the one-time flag; audited either way.</summary>
    public async Task<IdentityResult> ChangePasswordAsync(System.Security.Claims.ClaimsPrincipal actor, ConsoleUser user, string currentPassword, string newPassword)
    {
        ArgumentNullException.ThrowIfNull(user);
        var result = await actions.RunAsync(actor, async act =>
        {
            var changed = await users.ChangePasswordAsync(user, currentPassword, newPassword);
            if (changed.Succeeded)
            {
                user.MustChangePassword = false;
                changed = await users.UpdateAsync(user);
            }

            await act.RecordAsync(new Audit.AuditEntry(actor, "identity.user.password_changed", "user", user.Id,
                changed.Succeeded ? Audit.AuditOutcome.Succeeded : Audit.AuditOutcome.Failed,
                Reason: changed.Succeeded ? null : string.Join(" ", changed.Errors.Select(e => e.Code))));
            return changed;
        });
        if (result.Succeeded && string.Equals(user.UserName, BootstrapAdminUserName, StringComparison.Ordinal))
        {
            initialAdminPassword.Delete(); // the one-time password is dead now; do not leave it lying around
        }

        return result;
    }

    /// <summary>For the admin CLI: the same actions, audited with the CLI as the actor.</summary>
    public Task<OneTimePassword> CreateUserAuditedAsync(System.Security.Claims.ClaimsPrincipal actor, string userName, string role) =>
        actions.RunAsync(actor, async act =>
        {
            var otp = await CreateUserAsync(userName, role);
            var user = await users.FindByNameAsync(otp.UserName);
            await act.RecordAsync("identity.user.created", "user", user!.Id, ("role", role));
            return otp;
        });

    public Task<OneTimePassword> ResetPasswordAuditedAsync(System.Security.Claims.ClaimsPrincipal actor, string userName) =>
        actions.RunAsync(actor, async act =>
        {
            var otp = await ResetPasswordAsync(userName, act.CallerName);
            var user = await users.FindByNameAsync(userName);
            await act.RecordAsync("identity.user.password_reset", "user", user!.Id,
                ("tokensRevoked", otp.TokensRevoked.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return otp;
        });

    /// <param name="context">Only for steps a person cannot fix (a role the console creates itself), to find them in the log.</param>
    private static void Check(IdentityResult result, string? context = null)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(context is null ? IdentityErrorText.Of(result) : $"{context}: {IdentityErrorText.Of(result)}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created user {UserName} with role {Role}")]
    private partial void LogUserCreated(string userName, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reset the password of {UserName}")]
    private partial void LogPasswordReset(string userName);
}
