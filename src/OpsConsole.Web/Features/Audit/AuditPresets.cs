using System.Security.Claims;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Web.Features.Audit;

/// <summary>A common search, one click away: the filter it sets (the other fields are cleared).</summary>
public sealed record AuditPreset(string Key, string Label, string Description, AuditFilterForm Form);

/// <summary>
/// The Audit page's presets. Each maps to filter values the log really holds: the sign-in actions
/// (<c>identity.signin.local</c>, <c>identity.signin.oidc</c>), the <see cref="AuditOutcome"/> constants, the account
/// actions of UserAdministrationService and AccountService (<c>identity.user.*</c>) and the reader's own user id.
/// A reader only gets presets for records they may see (an Sre sees no <c>identity.</c> records).
/// </summary>
public static class AuditPresets
{
    public const string SignIns = "sign-ins";
    public const string Denials = "denials";
    public const string Failures = "failures";
    public const string AccountChanges = "account-changes";
    public const string Mine = "mine";

    public static IReadOnlyList<AuditPreset> For(ClaimsPrincipal reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var scope = AuditVisibility.ScopeOf(reader);
        var presets = new List<AuditPreset>();
        if (AuditVisibility.CanSee(scope, "identity.signin.local"))
        {
            presets.Add(new(SignIns, "Sign-ins", "Sign-ins with a password or through the identity provider, successful or not (action identity.signin)",
                new AuditFilterForm { Action = "identity.signin" }));
        }

        presets.Add(new(Denials, "Denials", "Everything refused for lack of a role or a sign-in (outcome denied)",
            new AuditFilterForm { Outcome = AuditOutcome.Denied }));
        presets.Add(new(Failures, "Failures", "Actions that were tried and failed (outcome failed)",
            new AuditFilterForm { Outcome = AuditOutcome.Failed }));
        if (AuditVisibility.CanSee(scope, "identity.user.created"))
        {
            presets.Add(new(AccountChanges, "Account changes",
                "Accounts created, disabled, enabled, unlocked; roles, password resets and changes; sign-outs everywhere (action identity.user)",
                new AuditFilterForm { Action = "identity.user" }));
        }

        if (AuditActors.Describe(reader).Id is { } id)
        {
            presets.Add(new(Mine, "My actions", "What you did, here or with your API tokens (actor = your user id)",
                new AuditFilterForm { Actor = id }));
        }

        return presets;
    }
}
