using System.Security.Claims;
using OpsConsole.Core.Access;

namespace OpsConsole.Core.Audit.Search;

/// <summary>Which records a reader may see.</summary>
public enum AuditScope
{
    /// <summary>Every record (Admin, Auditor).</summary>
    All,

    /// <summary>Only operational actions (Sre): see <see cref="AuditVisibility.RestrictedPrefixes"/>.</summary>
    Operational,
}

/// <summary>
/// The one definition of who sees what in the audit log. Admin and Auditor see every record. An Sre sees only
/// operational actions: records whose action does not start with <c>identity.</c> (accounts, sign-ins, sessions,
/// tokens, displays), <c>access.</c> (denials) or <c>audit.</c> (reads and exports of the log itself), i.e. the
/// capabilities they operate (backups, alerts, migrations, keys, …). The search enforces this in the SQL it runs
/// (the allowed action set), never in the UI.
/// </summary>
public static class AuditVisibility
{
    public static IReadOnlyList<string> RestrictedPrefixes { get; } = ["identity.", "access.", "audit."];

    public static AuditScope ScopeOf(ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.IsInRole(ConsoleRoles.Admin) || caller.IsInRole(ConsoleRoles.Auditor) ? AuditScope.All : AuditScope.Operational;
    }

    public static bool IsOperational(string action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return !RestrictedPrefixes.Any(p => action.StartsWith(p, StringComparison.Ordinal) || action == p[..^1]);
    }

    public static bool CanSee(AuditScope scope, string action) => scope == AuditScope.All || IsOperational(action);

    /// <summary>True when a reader with <paramref name="reader"/> may see everything a <paramref name="content"/> export holds.</summary>
    public static bool Covers(AuditScope reader, AuditScope content) => reader == AuditScope.All || content == AuditScope.Operational;
}
