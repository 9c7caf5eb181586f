using System.Security.Claims;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Board;

/// <summary>
/// The board's "recent changes": the newest succeeded actions people (and API tokens) took, read from the audit log.
/// Reads of the log, sign-ins and the system's own records (alert state changes) are left out: on-call wants "who
/// changed what", not "who looked". It reads through <see cref="IAuditSearch"/>, so the viewer's scope and
/// <c>AuditRead</c> apply, and the read is recorded once per window like any search.
/// </summary>
public sealed class RecentChanges(IAuditSearch search)
{
    /// <summary>How many records are scanned for changes (reads and sign-ins are filtered out of these).</summary>
    private const int Scan = 100;

    public async Task<IReadOnlyList<AuditRecordView>> LoadAsync(ClaimsPrincipal viewer, int count, TimeSpan within, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var query = new AuditQuery { Outcome = AuditOutcome.Succeeded, From = now - within };
        var page = await search.SearchAsync(viewer, query, cursor: null, Scan, cancellationToken);
        return [.. page.Items.Where(IsChange).Take(count)];
    }

    /// <summary>A change made by someone: not the system, not a read of any kind, not a sign-in or sign-out.</summary>
    public static bool IsChange(AuditRecordView record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.ActorType is AuditActorType.User or AuditActorType.Token
            && !record.Action.EndsWith(".access", StringComparison.Ordinal)
            && record.Action is not ("audit.searched" or "audit.viewed" or "audit.exported" or "audit.export_downloaded")
            && !record.Action.StartsWith("identity.signin.", StringComparison.Ordinal)
            && record.Action is not ("identity.session.end" or "identity.session.ended");
    }
}
