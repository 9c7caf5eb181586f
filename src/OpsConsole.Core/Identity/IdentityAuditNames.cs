using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Audit.Search;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Identity;

/// <summary>Audit target names for accounts: "user" ids are shown as user names.</summary>
public sealed class UserAuditNames(ConsoleDbContext db) : IAuditTargetNameSource
{
    public string TargetType => "user";

    public async Task<IReadOnlyDictionary<string, string>> NamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking()
            .Where(u => ids.Contains(u.Id) && u.UserName != null)
            .ToDictionaryAsync(u => u.Id, u => u.UserName!, StringComparer.Ordinal, cancellationToken);
}

/// <summary>Audit target names for API tokens: "ci of alice".</summary>
public sealed class TokenAuditNames(ConsoleDbContext db) : IAuditTargetNameSource
{
    public string TargetType => "token";

    public async Task<IReadOnlyDictionary<string, string>> NamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var guids = IdentityAuditNameIds.Parse(ids);
        var rows = await (from t in db.ApiTokens.AsNoTracking()
                          where guids.Contains(t.Id)
                          join u in db.Users.AsNoTracking() on t.UserId equals u.Id into owners
                          from u in owners.DefaultIfEmpty()
                          select new { t.Id, t.Name, Owner = u == null ? null : u.UserName })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Id.ToString(), r => r.Owner is null ? r.Name : $"{r.Name} of {r.Owner}", StringComparer.Ordinal);
    }
}

/// <summary>Audit target names for wall displays: the display's name.</summary>
public sealed class DisplayAuditNames(ConsoleDbContext db) : IAuditTargetNameSource
{
    public string TargetType => "display";

    public async Task<IReadOnlyDictionary<string, string>> NamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var guids = IdentityAuditNameIds.Parse(ids);
        return await db.DisplayDevices.AsNoTracking()
            .Where(d => guids.Contains(d.Id))
            .ToDictionaryAsync(d => d.Id.ToString(), d => d.Name, StringComparer.Ordinal, cancellationToken);
    }
}

/// <summary>Audit target names for sign-in sessions: whose, and in which browser ("alice · Firefox on Linux").</summary>
public sealed class SessionAuditNames(ConsoleDbContext db) : IAuditTargetNameSource
{
    public string TargetType => "session";

    public async Task<IReadOnlyDictionary<string, string>> NamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var guids = IdentityAuditNameIds.Parse(ids);
        var rows = await (from s in db.UserSessions.AsNoTracking()
                          where guids.Contains(s.Id)
                          join u in db.Users.AsNoTracking() on s.UserId equals u.Id into owners
                          from u in owners.DefaultIfEmpty()
                          select new { s.Id, s.UserAgent, Owner = u == null ? null : u.UserName })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(
            r => r.Id.ToString(),
            r => $"{r.Owner ?? "?"} · {Sessions.UserAgentSummary.Describe(r.UserAgent)}",
            StringComparer.Ordinal);
    }
}

internal static class IdentityAuditNameIds
{
    /// <summary>The ids that are GUIDs (others, such as "*" for an unknown display, name nothing).</summary>
    public static List<Guid> Parse(IEnumerable<string> ids) =>
        [.. ids.Select(id => Guid.TryParse(id, out var g) ? g : (Guid?)null).OfType<Guid>()];
}
