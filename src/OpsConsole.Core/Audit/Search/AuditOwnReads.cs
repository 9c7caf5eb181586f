using System.Security.Claims;

namespace OpsConsole.Core.Audit.Search;

/// <summary>
/// A reader's own reads of the log: the <c>audit.searched</c> and <c>audit.viewed</c> records their searches and opened
/// records write (<see cref="AuditSearchService"/>). Each new filter writes one, so a live tail that showed them would
/// answer every search with a record of that search; the Audit page hides them unless asked.
/// </summary>
public static class AuditOwnReads
{
    public static IReadOnlySet<string> Actions { get; } = new HashSet<string>(StringComparer.Ordinal) { "audit.searched", "audit.viewed" };

    /// <summary>True for a read of the log made by <paramref name="reader"/> (as themselves or through one of their API tokens).</summary>
    public static Func<AuditRecordView, bool> Of(ClaimsPrincipal reader)
    {
        var (type, id, name, _, _) = AuditActors.Describe(reader);
        return id is not null
            ? r => Actions.Contains(r.Action) && string.Equals(r.ActorId, id, StringComparison.Ordinal)
            : r => Actions.Contains(r.Action) && r.ActorId is null && r.ActorType == type && string.Equals(r.ActorName, name, StringComparison.Ordinal);
    }
}
