using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts;

/// <summary>The store's view at one moment: current and recently resolved alerts, silences, and counts for the wall.</summary>
public sealed record AlertSnapshot(
    long Version,
    DateTimeOffset TakenAt,
    IReadOnlyList<AlertView> Alerts,
    IReadOnlyList<SilenceView> Silences)
{
    public static AlertSnapshot Empty { get; } = new(0, DateTimeOffset.MinValue, [], []);

    /// <summary>Firing alerts that are neither silenced nor inhibited: what the wall and the badge count.</summary>
    public int NotifyingCount => Alerts.Count(a => a.Notifies);

    public IEnumerable<AlertView> Firing => Alerts.Where(a => a.State == AlertState.Firing);

    public IEnumerable<AlertView> Pending => Alerts.Where(a => a.State == AlertState.Pending);

    /// <summary>Maintenance silences active now: the UI shows a banner for each.</summary>
    public IEnumerable<Silence> ActiveMaintenanceWindows => Silences.Where(s => s.State == SilenceState.Active && s.Silence.Maintenance).Select(s => s.Silence);

    public AlertView? Find(long id) => Alerts.FirstOrDefault(a => a.Id == id);
}

/// <summary>
/// The alert store's in-memory view for pages (the Aspire dashboard's store pattern): a singleton holding the current
/// alerts (and those resolved in the last <see cref="RecentlyResolved"/>) and the silences, with silences and
/// inhibition applied. It reloads from the database when any instance publishes <see cref="AlertTopics.Changed"/> and
/// every <see cref="RefreshInterval"/> (silence windows move with the clock); pages subscribe with
/// <see cref="OnAlertsChanged(Func{Task})"/> (throttled, coalesced) and read <see cref="Current"/>.
/// </summary>
public sealed partial class AlertStore(
    IServiceScopeFactory scopes,
    ILiveEvents live,
    NotificationSignal notifications,
    DatabaseState database,
    IOptions<AlertStoreOptions> options,
    TimeProvider time,
    ILogger<AlertStore> logger) : BackgroundService
{
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RecentlyResolved = TimeSpan.FromMinutes(15);
    private const int MaxAlerts = 20_000;

    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<(AlertSource, string), (double? Value, IReadOnlyDictionary<string, string> Annotations)> _latest = new();
    private readonly IReadOnlyList<InhibitRule> _inhibitRules = options.Value.InhibitRules();
    private List<StoredAlert> _rows = [];
    private List<Silence> _silences = [];
    private AlertSnapshot _snapshot = AlertSnapshot.Empty;
    private DateTimeOffset _reconciledAt = DateTimeOffset.MinValue;
    private DateTimeOffset _reloadedAt = DateTimeOffset.MinValue;
    // Set by alerts.changed and taken by the next reload; kept apart from the signal channel, whose single slot may
    // already hold a value-only signal (that would drop the reload request).
    private int _reloadWanted;
    private long _version;
    private long _published = -1;
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AlertSnapshot Current => _snapshot;

    public IReadOnlyList<InhibitRule> InhibitRules => _inhibitRules;

    /// <summary>Calls <paramref name="onChanged"/> (at most every <see cref="MinimumRefresh"/>) after the view changed; dispose to stop.</summary>
    public IDisposable OnAlertsChanged(Func<Task> onChanged) => live.SubscribeThrottled(AlertTopics.ViewUpdated, MinimumRefresh, onChanged);

    /// <summary>
    /// As <see cref="OnAlertsChanged(Func{Task})"/> for a caller that already read the view at <paramref name="seenVersion"/>:
    /// a view published between that read and the subscription calls <paramref name="onChanged"/> once at once, instead
    /// of waiting for the next change (which may never come).
    /// </summary>
    public IDisposable OnAlertsChanged(long seenVersion, Func<Task> onChanged) =>
        live.SubscribeThrottled(AlertTopics.ViewUpdated, MinimumRefresh, onChanged, filter: null, () => Current.Version != seenVersion);

    /// <summary>Reloads from the database now (tests, and callers that must see their own change at once).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await ReloadAsync(cancellationToken);
        Publish();
    }

    /// <summary>Completes once the first load succeeded.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>The rule engine's newest value and annotations for alerts it reports (not persisted at every evaluation).</summary>
    internal void NoteLatest(IReadOnlyList<AlertInstance> alerts)
    {
        var changed = false;
        foreach (var alert in alerts)
        {
            var key = (alert.Source, alert.Fingerprint);
            if (alert.State == AlertState.Resolved)
            {
                changed |= _latest.TryRemove(key, out _);
                continue;
            }

            if (!_latest.TryGetValue(key, out var previous) || previous.Value != alert.Value)
            {
                _latest[key] = (alert.Value, alert.Annotations);
                changed = true;
            }
        }

        if (changed)
        {
            _signals.Writer.TryWrite(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!database.MigrationsApplied)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
        }

        using var subscription = live.Subscribe(AlertTopics.Changed, _ =>
        {
            Interlocked.Exchange(ref _reloadWanted, 1);
            _signals.Writer.TryWrite(true);
            return Task.CompletedTask;
        });
        var reload = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wanted = reload;
            var running = await BackgroundLoop.PassAsync(
                async ct =>
                {
                    // By the last reload, not the last rebuild: values that change at every evaluation rebuild the view
                    // often, and must not put off the reload that brings state changes and acks.
                    if (wanted || time.GetUtcNow() - _reloadedAt >= RefreshInterval)
                    {
                        await ReconcileSilencesIfDueAsync(ct);
                        await ReloadAsync(ct);
                    }
                    else
                    {
                        Rebuild();
                    }

                    Publish();
                },
                ex => LogReloadFailed(ex.GetBaseException().Message),
                stoppingToken);
            if (!running)
            {
                break;
            }

            reload = await WaitForSignalAsync(stoppingToken);
        }
    }

    /// <summary>True: reload from the database; false: rebuild from what is loaded (new values only).</summary>
    private async Task<bool> WaitForSignalAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(RefreshInterval);
        try
        {
            var reload = await _signals.Reader.ReadAsync(timeout.Token);
            // Coalesce: a burst of changes is one reload (at most one every MinimumRefresh).
            await Task.Delay(MinimumRefresh, time, stoppingToken);
            while (_signals.Reader.TryRead(out var more))
            {
                reload |= more;
            }

            return reload || Volatile.Read(ref _reloadWanted) == 1;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return true;
        }
    }

    /// <summary>When a silence started or ended by itself since the last check, the stored alerts follow (timeline entries).</summary>
    private async Task ReconcileSilencesIfDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var last = _reconciledAt;
        var due = last == DateTimeOffset.MinValue
            || _silences.Any(s => (s.StartsAt > last && s.StartsAt <= now) || (s.EndsAt > last && s.EndsAt <= now));
        if (!due)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var (unsilenced, changed) = await AuditedTransaction.RunAsync(db, async () =>
        {
            var result = await SilenceReconciler.ReconcileAsync(db, "system", now, cancellationToken);
            var receivers = options.Value.ParsedReceivers();
            if (result.Unsilenced.Count > 0 && receivers.Count > 0)
            {
                await NotificationQueue.EnqueueAsync(db, receivers, result.Unsilenced, now, cancellationToken);
                db.OnCommitted(notifications.Signal);
            }

            return result;
        }, cancellationToken);
        _reconciledAt = now;
        if (changed.Count > 0)
        {
            live.Publish(AlertTopics.Changed, AlertTopics.AlertsEvent(changed));
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        // Taken before reading: a change committed while this reload reads asks for the next one.
        Interlocked.Exchange(ref _reloadWanted, 0);
        var now = time.GetUtcNow().ToUniversalTime();
        _reloadedAt = now;
        var resolvedSince = now - RecentlyResolved;
        var silencesSince = now - options.Value.RecentlyExpiredSilences;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var rows = await db.Set<StoredAlert>().AsNoTracking()
            .Where(a => a.State != "resolved" || a.ResolvedAt > resolvedSince)
            .OrderByDescending(a => a.Id)
            .Take(MaxAlerts)
            .ToListAsync(cancellationToken);
        var silences = await db.Set<StoredSilence>().AsNoTracking()
            .Where(s => s.EndsAt > silencesSince)
            .OrderBy(s => s.EndsAt)
            .ToListAsync(cancellationToken);
        Apply(rows, silences);
    }

    /// <summary>Shows these rows and silences as loaded (the end of every reload); tests of pages feed the view through it.</summary>
    internal void Apply(IReadOnlyList<StoredAlert> rows, IReadOnlyList<StoredSilence> silences)
    {
        lock (_signals)
        {
            _rows = [.. rows];
            _silences = [.. silences.Select(Silence.From)];
        }

        Rebuild();
        _loaded.TrySetResult();
    }

    /// <summary><see cref="Apply"/>, then tells subscribers as a reload would.</summary>
    internal void ApplyAndPublish(IReadOnlyList<StoredAlert> rows, IReadOnlyList<StoredSilence> silences)
    {
        Apply(rows, silences);
        Publish();
    }

    /// <summary>Applies silences and inhibition as of now and the newest rule values to what was loaded.</summary>
    private void Rebuild()
    {
        List<StoredAlert> rows;
        List<Silence> silences;
        lock (_signals)
        {
            rows = _rows;
            silences = _silences;
        }

        var now = time.GetUtcNow();
        var active = silences.Where(s => s.IsActiveAt(now)).ToList();
        var views = new List<AlertView>(rows.Count);
        foreach (var row in rows)
        {
            var view = AlertView.From(row, silencedBy: []);
            if (view.State != AlertState.Resolved)
            {
                var silencedBy = active.Where(s => s.Matches(view.Labels)).Select(s => s.Id).ToList();
                view = view with { SilencedBy = silencedBy };
                if (_latest.TryGetValue((view.Source, view.Fingerprint), out var latest))
                {
                    view = view with { Value = latest.Value ?? view.Value, Annotations = latest.Annotations };
                }
            }

            views.Add(view);
        }

        var current = views.Where(v => v.State != AlertState.Resolved).ToList();
        var inhibited = Inhibition.Compute(
            [.. current.Select(v => new InhibitionCandidate<long>(v.Id, v.Labels, v.State == AlertState.Firing))], _inhibitRules);
        if (inhibited.Count > 0)
        {
            for (var i = 0; i < views.Count; i++)
            {
                if (inhibited.TryGetValue(views[i].Id, out var by))
                {
                    views[i] = views[i] with { InhibitedBy = by };
                }
            }
        }

        var silenceViews = silences
            .Select(s =>
            {
                var state = s.StateAt(now);
                var matched = state == SilenceState.Expired ? 0 : current.Count(a => s.Matches(a.Labels));
                return new SilenceView(s, state, matched);
            })
            .OrderBy(s => s.State switch { SilenceState.Active => 0, SilenceState.Pending => 1, _ => 2 })
            .ThenBy(s => s.State == SilenceState.Expired ? now - s.Silence.EndsAt : s.Silence.EndsAt - now)
            .ToList();
        _snapshot = new AlertSnapshot(Interlocked.Increment(ref _version), now, views, silenceViews);
    }

    /// <summary>Tells subscribers, unless the view is what they saw last (the periodic reload usually finds nothing new).</summary>
    private void Publish()
    {
        var snapshot = _snapshot;
        var signature = Signature(snapshot);
        if (signature == Interlocked.Exchange(ref _published, signature))
        {
            return;
        }

        live.Publish(AlertTopics.ViewUpdated, snapshot.Version);
    }

    private static long Signature(AlertSnapshot snapshot)
    {
        var hash = new HashCode();
        foreach (var a in snapshot.Alerts)
        {
            hash.Add(a.Id);
            hash.Add(a.State);
            hash.Add(a.UpdatedAt);
            hash.Add(a.SilencedBy.Count);
            hash.Add(a.InhibitedBy);
            hash.Add(a.Value);
        }

        foreach (var s in snapshot.Silences)
        {
            hash.Add(s.Silence.Id);
            hash.Add(s.Silence.UpdatedAt);
            hash.Add(s.State);
            hash.Add(s.MatchedAlerts);
        }

        hash.Add(snapshot.Alerts.Count);
        hash.Add(snapshot.Silences.Count);
        return hash.ToHashCode();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert store could not reload from the database: {Reason}")]
    private partial void LogReloadFailed(string reason);
}
