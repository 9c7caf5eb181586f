using OpsConsole.Core.Backups;
using OpsConsole.Core.Live;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Operations;

namespace OpsConsole.Web.Features.Migrations;

/// <summary>
/// What the migrations page subscribes to (components never see the live bus): a database's migrations changed (a file
/// applied, failed or undone, a run ended) or an operation on it moved. Throttled per subscriber.
/// </summary>
public sealed class MigrationFeed(ILiveEvents live)
{
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(500);

    public IDisposable OnMigrationsChanged(Func<Task> onChanged, string database) =>
        new Subscriptions(
            live.SubscribeThrottled(MigrationTopics.Changed, MinimumRefresh, onChanged, e => e.Database == database),
            live.SubscribeThrottled(OperationTopics.Changed, MinimumRefresh, onChanged, e => e.Target == ManagedDatabaseCatalog.Target(database)));
}
