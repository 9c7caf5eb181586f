using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Access;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Live;
using Prometheus;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// Looks at every database's migrations in the background (every <see cref="Interval"/>, and at once after a run),
/// exports the count per state to <c>/metrics</c> and puts drift and failures on the status board: a changed or
/// missing applied file means the folder no longer describes the schema, which nobody sees until the next apply.
/// </summary>
public sealed class MigrationWatch(MigrationCatalog catalog, IServiceScopeFactory scopes, ILiveEvents live, TimeProvider time) : BackgroundService, IAttentionSource
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private static readonly Gauge Count = Prometheus.Metrics.CreateGauge("opsconsole_schema_migrations",
        "Schema migrations of a managed database by state (pending, applied, failed, missing, changed, out_of_order).", "database", "state");

    private static readonly Gauge Readable = Prometheus.Metrics.CreateGauge("opsconsole_schema_migrations_readable",
        "1 when the database's migration history could be read at the last look, 0 when not.", "database");

    private static readonly LiveTopic<int> Updated = new("migrations.attention.updated");

    private readonly Dictionary<string, (IReadOnlyList<AttentionItem> Items, DateTimeOffset Since)> _byDatabase = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<AttentionItem> _items = [];

    public string Section => "Schema migrations";

    public string Policy => ConsolePolicies.BackupsRead;

    public IReadOnlyList<AttentionItem> Items => _items;

    public IDisposable OnChanged(Func<Task> onChanged) => live.SubscribeThrottled(Updated, TimeSpan.FromMilliseconds(500), onChanged);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (catalog.All.Count == 0)
        {
            return;
        }

        using var changed = live.Subscribe(MigrationTopics.Changed, e => catalog.Find(e.Payload.Database) is { } target ? LookAsync(target, stoppingToken) : Task.CompletedTask);
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            foreach (var target in catalog.All)
            {
                await LookAsync(target, stoppingToken);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task LookAsync(MigrationTarget target, CancellationToken ct)
    {
        IReadOnlyList<MigrationStatusEntry>? status = null;
        string? unreadable;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var (folder, history, _, error) = await MigrationService.ReadAsync(target, scope.ServiceProvider.GetRequiredService<ManagedDatabaseCatalog>(), ct);
            unreadable = error;
            if (error is null)
            {
                status = MigrationStatus.Compute(folder, Engine.MigrationHistory.Effective(history));
            }
        }
        catch (IOException ex)
        {
            unreadable = ex.Message;
        }

        Readable.WithLabels(target.Name).Set(unreadable is null ? 1 : 0);
        if (status is null)
        {
            return; // the backups' probe already says when a database cannot be reached; keep the last counts
        }

        foreach (var state in Enum.GetValues<MigrationState>())
        {
            Count.WithLabels(target.Name, StateLabel(state)).Set(status.Count(e => e.State == state));
        }

        Update(target.Name, ItemsOf(target.Name, status));
    }

    internal static IReadOnlyList<AttentionItem> ItemsOf(string database, IReadOnlyList<MigrationStatusEntry> status)
    {
        var href = $"/databases/{database}/migrations";
        var items = new List<AttentionItem>();
        var drift = status.Where(e => e.State is MigrationState.Changed or MigrationState.Missing).ToList();
        if (drift.Count > 0)
        {
            items.Add(new AttentionItem($"migration-drift:{database}", AttentionLevel.Warning,
                $"{database}: schema drift, {Files(drift)} {(drift.Count == 1 ? "differs" : "differ")} from what was applied",
                drift[0].Explanation, drift.Max(e => e.Applied?.AppliedAt) ?? DateTimeOffset.MinValue, href));
        }

        var failed = status.Where(e => e.State == MigrationState.Failed).ToList();
        if (failed.Count > 0)
        {
            items.Add(new AttentionItem($"migration-failed:{database}", AttentionLevel.Warning,
                $"{database}: migration {Files(failed)} failed", "fix it and apply again, undo, or restore the pre-migration backup",
                failed.Max(e => e.Applied?.AppliedAt) ?? DateTimeOffset.MinValue, href));
        }

        return items;
    }

    private void Update(string database, IReadOnlyList<AttentionItem> items)
    {
        bool changed;
        lock (_byDatabase)
        {
            var before = _byDatabase.GetValueOrDefault(database).Items ?? [];
            changed = !before.Select(i => (i.Key, i.Title)).SequenceEqual(items.Select(i => (i.Key, i.Title)));
            _byDatabase[database] = (items, time.GetUtcNow());
            _items = [.. _byDatabase.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value.Items)];
        }

        if (changed)
        {
            live.Publish(Updated, items.Count);
        }
    }

    private static string Files(IReadOnlyList<MigrationStatusEntry> entries) =>
        entries.Count <= 2 ? string.Join(" and ", entries.Select(e => e.File?.FileName ?? "version " + e.Version)) : $"{entries.Count} migrations";

    private static string StateLabel(MigrationState state) => Data.SnakeCaseColumns.Of(state.ToString());
}
