using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Identity.External;

public enum ExternalSignInFailure
{
    None,
    MissingSubject,
    NoConsoleRole,
    NameTaken,
    Disabled,
}

public sealed record ExternalSignInResult(ConsoleUser? User, IReadOnlyList<string> Roles, ExternalSignInFailure Failure)
{
    public bool Succeeded => Failure == ExternalSignInFailure.None;
}

/// <summary>
/// Signs a provider-authenticated person into the console: links them to a local account (created on first sign-in,
/// keyed by the provider's subject), and replaces that account's roles with the ones the provider's claims map to,
/// on every sign-in — a role removed at the provider is gone here at the next sign-in, and their other sessions end.
/// </summary>
public sealed class ExternalSignInService(
    UserManager<ConsoleUser> users,
    IOptions<OidcOptions> options,
    AuditedActions actions,
    TimeProvider time)
{
    public const string LoginProvider = "oidc";

    /// <summary>The provider's stable subject: "sub", or its mapped form when inbound claim mapping is on.</summary>
    public static string? SubjectOf(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.FindFirstValue("oid") is { Length: > 0 } oid && principal.FindFirstValue("tid") is { Length: > 0 } tid
            ? $"{tid}:{oid}" // Entra: sub is per-application; tenant + object id is the person
            : principal.FindFirstValue("sub") ?? principal.FindFirstValue(ClaimTypes.NameIdentifier);
    }

    public IReadOnlyList<string> RolesOf(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var claimType = options.Value.RoleClaimType;
        var values = principal.Claims
            .Where(c => c.Type == claimType || (claimType is "roles" or "role" && c.Type == ClaimTypes.Role))
            .Select(c => c.Value);
        return ExternalRoleMapper.Map(values, options.Value);
    }

    public static string DisplayNameOf(ClaimsPrincipal principal) =>
        principal.FindFirstValue("name") ?? principal.FindFirstValue(ClaimTypes.Name) ?? PreferredUserName(principal) ?? "";

    /// <summary>One audited action: the account provisioned, its roles synced and the sign-in recorded commit together.</summary>
    public Task<ExternalSignInResult> SignInAsync(ClaimsPrincipal external, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(external);
        return actions.RunAsync(external, _ => SignInCoreAsync(external, cancellationToken), cancellationToken);
    }

    private async Task<ExternalSignInResult> SignInCoreAsync(ClaimsPrincipal external, CancellationToken cancellationToken)
    {
        var subject = SubjectOf(external);
        var roles = RolesOf(external);
        if (string.IsNullOrEmpty(subject))
        {
            await RecordAsync(external, "identity.signin.oidc", "", AuditOutcome.Failed, ("reason", "the provider sent no subject"), cancellationToken);
            return new(null, roles, ExternalSignInFailure.MissingSubject);
        }

        var user = await users.FindByLoginAsync(LoginProvider, subject);
        if (user is null)
        {
            if (roles.Count == 0)
            {
                await RecordAsync(external, "identity.signin.oidc", subject, AuditOutcome.Denied, ("reason", "no console role"), cancellationToken);
                return new(null, roles, ExternalSignInFailure.NoConsoleRole);
            }

            var userName = LocalUserName(external, subject);
            if (await users.FindByNameAsync(userName) is not null)
            {
                // Never attach a provider identity to an existing local account by name: that would be a takeover path.
                await RecordAsync(external, "identity.signin.oidc", subject, AuditOutcome.Denied, ("reason", $"local account '{userName}' already exists"), cancellationToken);
                return new(null, roles, ExternalSignInFailure.NameTaken);
            }

            user = new ConsoleUser(userName) { DisplayName = DisplayNameOf(external), CreatedAt = time.GetUtcNow() };
            Check(await users.CreateAsync(user));
            Check(await users.AddLoginAsync(user, new UserLoginInfo(LoginProvider, subject, options.Value.DisplayName)));
            await RecordAsync(external, "identity.user.provisioned", user.Id, AuditOutcome.Succeeded, ("userName", userName), cancellationToken);
        }

        await SyncRolesAsync(external, user, roles, cancellationToken);
        if (await users.IsLockedOutAsync(user))
        {
            await RecordAsync(external, "identity.signin.oidc", user.Id, AuditOutcome.Denied, ("reason", "account disabled or locked"), cancellationToken);
            return new(null, roles, ExternalSignInFailure.Disabled);
        }

        if (roles.Count == 0)
        {
            await RecordAsync(external, "identity.signin.oidc", user.Id, AuditOutcome.Denied, ("reason", "no console role"), cancellationToken);
            return new(null, roles, ExternalSignInFailure.NoConsoleRole);
        }

        user.LastSignInAt = time.GetUtcNow();
        user.DisplayName = DisplayNameOf(external) is { Length: > 0 } name ? name : user.DisplayName;
        Check(await users.UpdateAsync(user));
        await RecordAsync(external, "identity.signin.oidc", user.Id, AuditOutcome.Succeeded, ("roles", string.Join(",", roles)), cancellationToken);
        return new(user, roles, ExternalSignInFailure.None);
    }

    /// <summary>For a bearer access token: the linked account, if any, must not be disabled.</summary>
    public async Task<ConsoleUser?> FindLinkedUserAsync(ClaimsPrincipal tokenPrincipal)
    {
        var subject = SubjectOf(tokenPrincipal);
        return string.IsNullOrEmpty(subject) ? null : await users.FindByLoginAsync(LoginProvider, subject);
    }

    private async Task SyncRolesAsync(ClaimsPrincipal external, ConsoleUser user, IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        var current = await users.GetRolesAsync(user);
        if (current.Order(StringComparer.Ordinal).SequenceEqual(roles))
        {
            return;
        }

        Check(await users.RemoveFromRolesAsync(user, current.Except(roles)));
        Check(await users.AddToRolesAsync(user, roles.Except(current)));
        // Sessions opened with the old roles must not keep them.
        Check(await users.UpdateSecurityStampAsync(user));
        actions.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked(user.Id, "roles changed at the identity provider"));
        await RecordAsync(external, "identity.user.roles_synced", user.Id, AuditOutcome.Succeeded,
            ("from", string.Join(",", current.Order(StringComparer.Ordinal))), cancellationToken, ("to", string.Join(",", roles)));
    }

    private static string LocalUserName(ClaimsPrincipal external, string subject)
    {
        var preferred = PreferredUserName(external);
        return preferred is { Length: > 0 and <= 256 } && preferred.All(c => char.IsAsciiLetterOrDigit(c) || "-._@+".Contains(c, StringComparison.Ordinal))
            ? preferred
            : "oidc-" + subject.Replace(":", "-", StringComparison.Ordinal);
    }

    private static string? PreferredUserName(ClaimsPrincipal principal) =>
        principal.FindFirstValue("preferred_username") ?? principal.FindFirstValue("upn") ?? principal.FindFirstValue("email")
        ?? principal.FindFirstValue(ClaimTypes.Email);

    private Task RecordAsync(ClaimsPrincipal actor, string action, string targetId, string outcome, (string Key, string? Value) detail,
        CancellationToken cancellationToken, (string Key, string? Value)? more = null)
    {
        var details = new Dictionary<string, string?> { [detail.Key] = detail.Value, ["provider"] = options.Value.DisplayName };
        if (more is { } extra)
        {
            details[extra.Key] = extra.Value;
        }

        return actions.RecordAsync(new AuditEntry(actor, action, "user", targetId, outcome, details), cancellationToken);
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(IdentityErrorText.Of(result));
        }
    }
}
