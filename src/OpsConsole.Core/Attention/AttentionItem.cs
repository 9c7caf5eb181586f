namespace OpsConsole.Core.Attention;

/// <summary>How urgent an item on the status board is; the board orders sections and colours by it.</summary>
public enum AttentionLevel
{
    /// <summary>Worth knowing, nothing to do yet (e.g. a backup runs in ten minutes).</summary>
    Info,

    /// <summary>Someone should look today (e.g. a backup older than its RPO, a request due soon).</summary>
    Warning,

    /// <summary>Act now (e.g. an operation failed half-way, a request overdue).</summary>
    Critical,
}

/// <summary>
/// One "needs attention" line a capability puts on the status board: what, how urgent, since when, and where to act.
/// <paramref name="Key"/> is stable while the condition lasts, so the board can keep its order and the wall its place.
/// </summary>
public sealed record AttentionItem(
    string Key,
    AttentionLevel Level,
    string Title,
    string? Detail,
    DateTimeOffset Since,
    string? Href);

/// <summary>
/// A capability's contribution to the status board (registered with <see cref="AttentionHosting.AddAttentionSource{T}"/>).
/// The board lists every source's items under the source's <see cref="Section"/> heading without knowing the capability,
/// so backups, operations or GDPR requests add their items without touching the page. It sits at the bottom layer so
/// any capability can implement it.
/// </summary>
public interface IAttentionSource
{
    /// <summary>The heading of the source's section on the board ("Backups", "Operations").</summary>
    string Section { get; }

    /// <summary>The policy a viewer needs to see this section (<see cref="Access.ConsolePolicies"/>); others never see it.</summary>
    string Policy { get; }

    /// <summary>The items now (cheap: read from the capability's in-memory state, never a query per call).</summary>
    IReadOnlyList<AttentionItem> Items { get; }

    /// <summary>Calls <paramref name="onChanged"/> after <see cref="Items"/> may have changed (throttled by the source).</summary>
    IDisposable OnChanged(Func<Task> onChanged);
}
