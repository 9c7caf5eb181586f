using System.Security.Claims;
using OpsConsole.Core.Access;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;

namespace OpsConsole.Web.Features.Restores;

/// <summary>A restore or swap back that is waiting or running: what the banner and the wall announce.</summary>
public sealed record ActiveRestore(
    Guid OperationId, string Kind, string Database, OperationState State, string? Step, double? Progress, string RequestedBy, string Title);

/// <summary>
/// The restores everyone is told about (<see cref="RestoreKinds.Announced"/>), kept in memory for every page's banner and
/// the wall: one read per operation change on a database (throttled) for the whole process, never one per circuit, and
/// read as the console rather than as the viewer, because the banner is for every signed-in person and every display.
/// </summary>
public sealed partial class ActiveRestores(
    IServiceScopeFactory scopes, ILiveEvents live, DatabaseState database, TimeProvider time, ILogger<ActiveRestores> logger) : BackgroundService
{
    /// <summary>The pages' refresh interval for the banner (the runner flushes progress twice a second).</summary>
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(500);

    // The console reads for the banner: a system actor (so the audit log never names a person for it) with the one role
    // that may list operations and nothing else.
    internal static readonly ClaimsPrincipal Reader = new(new ClaimsIdentity(
        [new Claim(ConsoleClaims.System, "1"), new Claim(ClaimTypes.Name, "restore-banner"), new Claim(ClaimTypes.Role, ConsoleRoles.Viewer)], "system"));

    private static readonly LiveTopic<long> Updated = new("restores.banner.updated");
    private readonly SemaphoreSlim _changed = new(1, 1); // starts signalled: the first pass loads
    private volatile Snapshot _current = new([], 0);

    /// <summary>The announced restores, oldest request first.</summary>
    public IReadOnlyList<ActiveRestore> Current => _current.Items;

    /// <summary>Grows with every change of <see cref="Current"/>; pass the one read to <see cref="OnChanged"/>.</summary>
    public long Version => _current.Version;

    /// <summary>Calls back (throttled) when <see cref="Current"/> changes, and once at once if it changed since <paramref name="seenVersion"/>.</summary>
    public IDisposable OnChanged(long seenVersion, Func<Task> onChanged) =>
        live.SubscribeThrottled(Updated, MinimumRefresh, onChanged, filter: null, changedBeforeSubscribing: () => Version != seenVersion);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!database.MigrationsApplied)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
        }

        // Restores run on managed databases: other targets (keys, GDPR requests) never change the banner.
        using var subscription = live.SubscribeThrottled(OperationTopics.Changed, MinimumRefresh, Signal, e => ManagedDatabaseCatalog.NameOf(e.Target) is not null);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A minute at most between passes: a lost notification (another instance's) is not kept forever.
                await _changed.WaitAsync(TimeSpan.FromMinutes(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!await BackgroundLoop.PassAsync(RefreshAsync, ex => LogRefreshFailed(ex), stoppingToken))
            {
                return;
            }
        }
    }

    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var operations = scope.ServiceProvider.GetRequiredService<IOperationService>();
        // Active operations are at most one per target: one short list, filtered here.
        var active = await operations.ListAsync(Reader, new OperationQuery(ActiveOnly: true, Limit: 1000), cancellationToken);
        IReadOnlyList<ActiveRestore> items = [.. active
            .Where(o => RestoreKinds.Announced(o.Kind))
            .OrderBy(o => o.RequestedAt)
            .Select(o => new ActiveRestore(o.Id, o.Kind, DatabaseOf(o), o.State, o.Step, o.Progress, o.RequestedBy, o.Title))];
        var before = _current;
        if (!before.Items.SequenceEqual(items))
        {
            _current = new Snapshot(items, before.Version + 1);
            live.Publish(Updated, before.Version + 1);
        }
    }

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    private Task Signal()
    {
        if (_changed.CurrentCount == 0)
        {
            _changed.Release();
        }

        return Task.CompletedTask;
    }

    private static string DatabaseOf(OperationView operation) =>
        operation.Parameters.TryGetValue("database", out var name) ? name : ManagedDatabaseCatalog.NameOf(operation.Target) ?? operation.Target;

    private sealed record Snapshot(IReadOnlyList<ActiveRestore> Items, long Version);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Reading the running restores for the banner failed")]
    private partial void LogRefreshFailed(Exception ex);
}
