using OpsConsole.Core.Live;

namespace OpsConsole.Core.Operations;

/// <summary>
/// What pages subscribe to for operations (components never see the live bus): any operation changing, one operation
/// changing, one operation's log growing. Callbacks are throttled, so a run flushing twice a second renders at most
/// that often in every viewer.
/// </summary>
public sealed class OperationFeed(ILiveEvents live)
{
    /// <summary>Renders at most this often per subscriber.</summary>
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(250);

    /// <summary>Any operation was requested, approved, moved, progressed or ended (or only <paramref name="id"/>'s, when given).</summary>
    public IDisposable OnOperationsChanged(Func<Task> onChanged, Guid? id = null) =>
        live.SubscribeThrottled(OperationTopics.Changed, MinimumRefresh, onChanged, id is { } only ? e => e.Id == only : null);

    /// <summary>
    /// <paramref name="id"/>'s log grew past what the caller has read. Calls back once at once too: lines written between
    /// the caller's read and this subscription announced themselves to nobody, and a finished run announces nothing more.
    /// </summary>
    public IDisposable OnLogGrew(Guid id, Func<Task> onChanged) =>
        live.SubscribeThrottled(OperationTopics.LogGrew, MinimumRefresh, onChanged, e => e.Id == id, changedBeforeSubscribing: () => true);
}
