using OpsConsole.Core.Backups;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;

namespace OpsConsole.Web.Features.Restores;

/// <summary>
/// What the restore history subscribes to (components never see the live bus): a database's restores changed (a phase
/// passed, swapped, swapped back, the kept copy dropped) or an operation on it moved (requested, approved, ended).
/// Throttled per subscriber.
/// </summary>
public sealed class RestoreFeed(ILiveEvents live)
{
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(500);

    public IDisposable OnRestoresChanged(Func<Task> onChanged, string database) =>
        new Subscriptions(
            live.SubscribeThrottled(RestoreKinds.Changed, MinimumRefresh, onChanged, e => e.Database == database),
            live.SubscribeThrottled(OperationTopics.Changed, MinimumRefresh, onChanged, e => e.Target == ManagedDatabaseCatalog.Target(database)));
}
