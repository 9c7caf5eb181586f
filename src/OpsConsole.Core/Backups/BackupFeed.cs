using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups;

/// <summary>
/// What the Databases pages subscribe to (components never see the live bus): a database's backups or drills changed,
/// its server facts were read again, or an operation on a database moved. Throttled per subscriber.
/// </summary>
public sealed class BackupFeed(ILiveEvents live)
{
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(500);

    /// <summary>Anything a Databases page shows changed (for <paramref name="database"/> only, when given).</summary>
    public IDisposable OnDatabasesChanged(Func<Task> onChanged, string? database = null) =>
        new Subscriptions(
        [
            live.SubscribeThrottled(BackupTopics.Changed, MinimumRefresh, onChanged, e => database is null || e.Database == database),
            live.SubscribeThrottled(BackupTopics.Probed, MinimumRefresh, onChanged, e => database is null || e.Database == database),
            live.SubscribeThrottled(OperationTopics.Changed, MinimumRefresh, onChanged,
                e => database is null ? ManagedDatabaseCatalog.NameOf(e.Target) is not null : e.Target == ManagedDatabaseCatalog.Target(database)),
        ]);
}
