using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Operations;

/// <summary>
/// The status board's "Operations" section: requests waiting for a second person's approval, each with who asked and
/// when it expires. Kept in memory, re-read after every operation change (throttled), so the board never queries.
/// </summary>
public sealed partial class OperationAttention(
    IServiceScopeFactory scopes, DatabaseState database, ILiveEvents live, TimeProvider time, ILogger<OperationAttention> logger) : BackgroundService, IAttentionSource
{
    private static readonly LiveTopic<int> Updated = new("operations.attention.updated");
    private volatile IReadOnlyList<AttentionItem> _items = [];

    public string Section => "Operations";

    public string Policy => ConsolePolicies.OperationsRead;

    public IReadOnlyList<AttentionItem> Items => _items;

    public IDisposable OnChanged(Func<Task> onChanged) => live.SubscribeThrottled(Updated, TimeSpan.FromMilliseconds(250), onChanged);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!database.MigrationsApplied)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
        }

        var changed = new SemaphoreSlim(1, 1); // starts signalled: the first pass loads
        using var subscription = live.Subscribe(OperationTopics.Changed, _ =>
        {
            if (changed.CurrentCount == 0)
            {
                changed.Release();
            }

            return Task.CompletedTask;
        });
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A minute at most between passes: expiry times move on their own.
                await changed.WaitAsync(TimeSpan.FromMinutes(1), stoppingToken);
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
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var waiting = await db.Operations.AsNoTracking()
            .Where(o => o.State == OperationState.AwaitingApproval)
            .OrderBy(o => o.Id)
            .Take(50)
            .ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        IReadOnlyList<AttentionItem> items = [.. waiting.Select(o => new AttentionItem(
            $"operation-awaiting:{o.Id}", AttentionLevel.Warning, $"{o.Title} awaits approval",
            $"requested by {o.RequestedBy}{(o.ApprovalExpiresAt is { } e ? $", expires in {Until(e - now)}" : "")}; a different person approves",
            o.RequestedAt, $"/operations/{o.Id}"))];
        var before = _items;
        _items = items;
        if (!before.Select(i => (i.Key, i.Detail)).SequenceEqual(items.Select(i => (i.Key, i.Detail))))
        {
            live.Publish(Updated, items.Count);
        }
    }

    private static string Until(TimeSpan left) =>
        left <= TimeSpan.Zero ? "moments" : left < TimeSpan.FromHours(1) ? $"{Math.Max(1, (int)left.TotalMinutes)} min" : $"{(int)left.TotalHours} h {left.Minutes} min";

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Reading the operations awaiting approval for the board failed")]
    private partial void LogRefreshFailed(Exception ex);
}
